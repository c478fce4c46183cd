/**
 * Flushing an outbox: audit records first, then PutEvents, then removal of what
 * the bus accepted. Shared by the sync, tracking and replay paths.
 */
import type { LoadedMessage } from './ports.ts';
import type { SyncDeps } from './sync-message.ts';

/** Thrown when an outbox flush left events unpublished: do not poll on top of them. */
export class OutboxStuck extends Error {
  constructor(
    readonly pending: number,
    readonly detail: string,
  ) {
    super(`${pending} committed event(s) could not be published yet: ${detail}`);
  }
}

export interface FlushResult {
  readonly loaded: LoadedMessage;
  readonly published: number;
  readonly pending: number;
  readonly failure: string | null;
}

/** Writes the audit trail for the outbox, publishes it, and removes what the bus accepted. */
export async function flush(
  deps: Pick<SyncDeps, 'store' | 'publisher'>,
  loaded: LoadedMessage,
): Promise<FlushResult> {
  const events = loaded.outbox;
  if (events.length === 0) return { loaded, published: 0, pending: 0, failure: null };
  await deps.store.writeAudit(loaded.message.messageId, events);
  const result = await deps.publisher.publish(events);
  const after =
    result.accepted.length > 0 ? await deps.store.markPublished(loaded, result.accepted) : loaded;
  const first = result.failed[0];
  return {
    loaded: after,
    published: result.accepted.length,
    pending: result.failed.length,
    failure: first ? `${first.errorCode}: ${first.errorMessage}` : null,
  };
}
