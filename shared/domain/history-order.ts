/**
 * The order in which a history is told: when the product learnt of each event
 * (`observedAt`), and within one poll the start of tracking first, then the
 * recipients' changes by their status time and sequence, then the endings. So
 * `MessageTrackingCompleted` never comes before `MessageTrackingStarted`, and
 * a recipient's events stay in sequence order. Pure.
 */
import { eventTime, isRecipientEvent } from '../catalog/events.ts';
import type { AuditRecord } from '../ports.ts';

function rank(record: AuditRecord): number {
  if (record.detailType === 'MessageTrackingStarted') return 0;
  return isRecipientEvent(record.event) ? 1 : 2;
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** A copy of `records` in time order (see the module comment). */
export function inTimeOrder(records: readonly AuditRecord[]): AuditRecord[] {
  return [...records].sort(
    (a, b) =>
      compare(a.observedAt, b.observedAt) ||
      rank(a) - rank(b) ||
      compare(eventTime(a.event), eventTime(b.event)) ||
      compare(a.event.detail.messageId, b.event.detail.messageId) ||
      compare(a.email, b.email) ||
      a.sequence - b.sequence ||
      compare(a.eventId, b.eventId),
  );
}
