/**
 * One readable line per event and per cycle, for the CLI and `npm start`.
 * Every string that comes from the provider or a user goes through
 * `printable`: these lines are for terminals (see printable.ts).
 */
import { type CatalogEvent, isRecipientEvent } from '../shared/catalog/events.ts';
import type { CycleSummary } from '../shared/sync/sync-cycle.ts';
import { printable as p } from './printable.ts';

export function formatEventLine(event: CatalogEvent): string {
  if (!isRecipientEvent(event)) return formatMessageEventLine(event);
  const d = event.detail;
  const change =
    d.previousStatus === null ? p(d.status) : `${p(d.previousStatus)} → ${p(d.status)}`;
  return `${p(d.statusAt)}  ${event.detailType.padEnd(22)} ${p(d.messageId)}  ${p(d.email)}  ${change}  #${d.sequence}  ${p(d.eventId)}`;
}

export function formatSummaryLine(s: CycleSummary): string {
  const errors = Object.entries(s.errors)
    .map(([kind, n]) => `${kind}=${n}`)
    .join(' ');
  return (
    `cycle: ${s.messagesPolled}/${s.messagesDue} message(s) polled, ${s.changes} change(s), ` +
    `${s.eventsPublished + s.eventsRecovered} event(s) published` +
    (s.eventsPending ? `, ${s.eventsPending} pending` : '') +
    (s.skipped ? `, ${s.skipped} skipped` : '') +
    (errors ? `, errors: ${errors}` : '') +
    (s.stoppedBy ? `, stopped by ${s.stoppedBy}` : '') +
    ` in ${s.durationMs} ms`
  );
}

function formatMessageEventLine(
  event: Exclude<CatalogEvent, { detail: { sequence: number } }>,
): string {
  const d = event.detail;
  const extra =
    'counts' in d
      ? `  ${Object.entries(d.counts)
          .map(([status, n]) => `${p(status)}=${n}`)
          .join(' ')}`
      : 'parts' in d
        ? `  part ${d.part}/${d.parts}, ${d.recipients.length} recipient(s)`
        : '';
  return `${p(d.observedAt)}  ${event.detailType.padEnd(22)} ${p(d.messageId)}${extra}  ${p(d.eventId)}`;
}
