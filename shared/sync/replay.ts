/**
 * Replay: republishes recorded events (the audit trail) with their original
 * eventIds, marked `replayed: true`, for consumers that missed them. Consumers
 * that already have an event recognise it by its id.
 *
 * Each record holds the event exactly as it was first published (pseudonyms
 * included when the deployment hashes addresses), so replay republishes it as
 * it is, on a publisher that transforms nothing: it needs no salt, and one
 * eventId never goes out with two contents.
 */
import { type CatalogEvent, eventTime } from '../catalog/events.ts';
import type { AuditLog, AuditRecord, EventPublisher } from '../ports.ts';
import { PublicationFormError } from '../privacy/errors.ts';
import { PLAIN_FORM } from '../privacy/publication.ts';

export interface ReplayDeps {
  /** Where the recorded events come from. */
  readonly audit: Pick<AuditLog, 'history'>;
  /** Puts events on the bus as they are (no email hashing: records are already in published form). */
  readonly publisher: EventPublisher;
  /**
   * The deployment's recorded publication form (read, never claimed): records
   * written before the audit kept the published form hold plain addresses,
   * which a hashing deployment must not republish.
   */
  readonly recordedForm?: () => Promise<string | null>;
}

export interface ReplayResult {
  readonly selected: number;
  readonly accepted: number;
  readonly failed: number;
}

/** Events of the message at or after `since` (all when null), in time order, marked replayed. */
export function selectForReplay(
  records: readonly AuditRecord[],
  since: Date | null,
): CatalogEvent[] {
  return records
    .map((r) => r.event)
    .filter((e) => since === null || Date.parse(eventTime(e)) >= since.getTime())
    .sort((a, b) => Date.parse(eventTime(a)) - Date.parse(eventTime(b)))
    .map((e) => ({ ...e, detail: { ...e.detail, replayed: true } }) as CatalogEvent);
}

export async function replayMessage(
  deps: ReplayDeps,
  messageId: string,
  since: Date | null,
): Promise<ReplayResult> {
  const records = await deps.audit.history(messageId);
  const events = selectForReplay(records, since);
  await refuseLegacyPlain(deps, records, events);
  const result = await deps.publisher.publish(events);
  return {
    selected: events.length,
    accepted: result.accepted.length,
    failed: result.failed.length,
  };
}

/**
 * Refuses to replay records written before the audit kept the published form
 * (`form` null: plain addresses) when the deployment hashes: their eventIds
 * went out with pseudonyms.
 */
async function refuseLegacyPlain(
  deps: ReplayDeps,
  records: readonly AuditRecord[],
  selected: readonly CatalogEvent[],
): Promise<void> {
  const ids = new Set(selected.map((e) => e.detail.eventId));
  const legacy = records.filter((r) => r.form === null && ids.has(r.eventId)).length;
  if (legacy === 0 || !deps.recordedForm) return;
  const form = await deps.recordedForm();
  if (form === null || form === PLAIN_FORM) return;
  throw new PublicationFormError(
    `${legacy} recorded event(s) of this message were written before the audit trail kept events as published and hold plain addresses; this deployment publishes pseudonyms, so they are not replayed (replay --since a later time skips them)`,
  );
}
