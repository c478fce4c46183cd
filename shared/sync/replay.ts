/**
 * Replay: republishes recorded events (the audit trail) with their original
 * eventIds, marked `replayed: true`, for consumers that missed them. Consumers
 * that already have an event recognise it by its id.
 */
import { type CatalogEvent, eventTime } from '../catalog/events.ts';
import type { AuditLog, AuditRecord, EventPublisher } from '../ports.ts';

export interface ReplayDeps {
  /** Where the recorded events come from. */
  readonly audit: Pick<AuditLog, 'history'>;
  readonly publisher: EventPublisher;
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
  const events = selectForReplay(await deps.audit.history(messageId), since);
  const result = await deps.publisher.publish(events);
  return {
    selected: events.length,
    accepted: result.accepted.length,
    failed: result.failed.length,
  };
}
