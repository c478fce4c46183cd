/**
 * Flushing an outbox: audit records first, then PutEvents, then removal of what
 * the bus accepted. Shared by the sync, tracking and replay paths.
 *
 * Progress is recorded slice by slice (`FLUSH_SLICE` events): each slice is
 * audited, published and removed from the outbox before the next one starts.
 * A poll killed while publishing a large outbox (20,000 events after an outage)
 * loses at most the slice in flight, which goes out again with the same
 * eventIds; before, nothing was removed until the whole outbox was out, so each
 * cycle republished the same first part and never got further.
 */
import type { CatalogEvent } from '../catalog/events.ts';
import type { LoadedMessage } from '../domain/tracked-message.ts';
import type { PublishResult, SyncDeps } from '../ports.ts';

/**
 * Events published (and their removal recorded) at a time: one state chunk's
 * worth of recipients. A flush of up to this many events costs what it did
 * before slicing: one publish, one removal per chunk touched.
 */
export const FLUSH_SLICE = 500;

export interface FlushResult {
  readonly loaded: LoadedMessage;
  readonly published: number;
  readonly pending: number;
  readonly failure: string | null;
}

/**
 * Writes the audit trail for the outbox, publishes it, and removes what the bus
 * accepted, slice by slice in outbox order. A slice with refused events ends
 * the flush: the later slices stay in the outbox unsent, so a recipient's
 * later event never overtakes an earlier one that is still waiting.
 */
export async function flush(
  deps: Pick<SyncDeps, 'store' | 'publisher'>,
  loaded: LoadedMessage,
): Promise<FlushResult> {
  const events = loaded.outbox;
  if (events.length === 0) return { loaded, published: 0, pending: 0, failure: null };
  let current = loaded;
  let published = 0;
  for (let start = 0; start < events.length; start += FLUSH_SLICE) {
    const slice: readonly CatalogEvent[] = events.slice(start, start + FLUSH_SLICE);
    await deps.store.writeAudit(loaded.message.messageId, slice);
    const result: PublishResult = await deps.publisher.publish(slice);
    if (result.accepted.length > 0) {
      current = await deps.store.markPublished(current, result.accepted);
    }
    published += result.accepted.length;
    const first = result.failed[0];
    if (first) {
      return {
        loaded: current,
        published,
        pending: events.length - published,
        failure: `${first.errorCode}: ${first.errorMessage}`,
      };
    }
  }
  return { loaded: current, published, pending: 0, failure: null };
}
