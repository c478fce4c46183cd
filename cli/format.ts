/**
 * One readable line per event and per cycle, for the CLI and `npm start`.
 * Every string that comes from the provider or a user goes through
 * `printable`: these lines are for terminals (see printable.ts).
 */
import { type CatalogEvent, DETAIL_TYPES, isRecipientEvent } from '../shared/catalog/events.ts';
import type { CycleSummary } from '../shared/sync/sync-cycle.ts';
import { type Cell, padTo } from './columns.ts';
import { printable as p } from './printable.ts';
import { PLAIN, type Style } from './style.ts';

/** Width of the detail-type column of streamed lines: the catalog's longest name. */
const DETAIL_TYPE_WIDTH = Math.max(...DETAIL_TYPES.map((t) => t.length));

/**
 * The cells of an event's line: time, detail type, messageId, then what it says
 * (recipient, change, sequence) and its eventId. `columns` aligns a batch of them.
 */
export function eventCells(event: CatalogEvent, style: Style = PLAIN): Cell[] {
  const type: Cell = { text: p(event.detailType), paint: paintFor(event.detailType, style) };
  if (!isRecipientEvent(event)) {
    const d = event.detail;
    const extra =
      'counts' in d
        ? Object.entries(d.counts)
            .map(([status, n]) => `${p(status)}=${n}`)
            .join(' ')
        : 'parts' in d
          ? `part ${d.part}/${d.parts}, ${d.recipients.length} recipient(s)`
          : '';
    return [
      { text: p(d.observedAt), paint: style.dim },
      type,
      p(d.messageId),
      extra,
      { text: p(d.eventId), paint: style.dim },
    ];
  }
  const d = event.detail;
  const change =
    d.previousStatus === null ? p(d.status) : `${p(d.previousStatus)} → ${p(d.status)}`;
  return [
    { text: p(d.statusAt), paint: style.dim },
    type,
    p(d.messageId),
    p(d.email),
    change,
    `#${d.sequence}`,
    { text: p(d.eventId), paint: style.dim },
  ];
}

/**
 * One event as a line of its own (streamed: `poll`, `npm start`): the detail
 * type padded to the catalog's longest name, so lines printed apart still line up.
 */
export function formatEventLine(event: CatalogEvent, style: Style = PLAIN): string {
  return eventCells(event, style)
    .map((cell, i) => {
      const text = typeof cell === 'string' ? cell : cell.text;
      const padded = i === 1 ? padTo(text, DETAIL_TYPE_WIDTH) : text;
      if (typeof cell === 'string' || !cell.paint) return padded;
      return cell.paint(text) + padded.slice(text.length);
    })
    .filter((text) => text !== '')
    .join('  ');
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

/** Good news green, bad news red, the end of tracking yellow; the rest plain. */
function paintFor(detailType: string, style: Style): (text: string) => string {
  if (/Delivered|Opened|Clicked|Completed/.test(detailType)) return style.good;
  if (/Bounced|Failed|Failing|Complain|Unsubscribed|NotDelivered/.test(detailType)) {
    return style.bad;
  }
  if (/Tracking(Ended|Expired|Stopped)|NotFound/.test(detailType)) return style.warn;
  return (text) => text;
}
