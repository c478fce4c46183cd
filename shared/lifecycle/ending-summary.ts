/**
 * What an ending event (MessageTrackingCompleted, MessageTrackingExpired) says
 * about the recipients, kept within the PutEvents entry limit (256 KB). Raw
 * statuses and addresses are provider strings of any length: 200 long pending
 * addresses, or hundreds of distinct long statuses in `counts`, made an ending
 * event the bus refused on every cycle. Both lists are capped by bytes (as
 * JSON, which is what is sent) and count; what is left out is counted.
 */
import type { RecipientState } from '../model.ts';
import { countByStatus } from './policy.ts';

/** Most distinct statuses `counts` lists. */
export const MAX_COUNTED_STATUSES = 100;
/** UTF-8 bytes of `counts` as JSON, at most. */
export const MAX_COUNTS_BYTES = 48 * 1024;
/** UTF-8 bytes of `pending` as JSON, at most. */
export const MAX_PENDING_BYTES = 128 * 1024;

const bytes = (value: unknown) => Buffer.byteLength(JSON.stringify(value), 'utf8');

export interface StatusSummary {
  readonly counts: Record<string, number>;
  /** Present only when `counts` was capped: the statuses and recipients left out. */
  readonly countsOmitted?: { readonly statuses: number; readonly recipients: number };
}

/**
 * Recipients per raw status, the most frequent first while within
 * `MAX_COUNTED_STATUSES` and `MAX_COUNTS_BYTES`.
 */
export function summarizeStatuses(recipients: readonly RecipientState[]): StatusSummary {
  const all = Object.entries(countByStatus(recipients)).sort(
    ([a, m], [b, n]) => n - m || (a < b ? -1 : a > b ? 1 : 0),
  );
  const kept: [string, number][] = [];
  let size = 2; // {}
  for (const [status, n] of all) {
    const entry = bytes(status) + bytes(n) + 2; // "status":n,
    if (kept.length >= MAX_COUNTED_STATUSES || size + entry > MAX_COUNTS_BYTES) break;
    kept.push([status, n]);
    size += entry;
  }
  // fromEntries: own keys, so a status such as `__proto__` stays a key.
  const counts = Object.fromEntries(kept);
  if (kept.length === all.length) return { counts };
  const omitted = all.slice(kept.length);
  return {
    counts,
    countsOmitted: {
      statuses: omitted.length,
      recipients: omitted.reduce((sum, [, n]) => sum + n, 0),
    },
  };
}

/** The pending recipients an expiry lists: at most `max` and `MAX_PENDING_BYTES`. */
export function listPending(
  pending: readonly RecipientState[],
  max: number,
): { email: string; token: string; status: string }[] {
  const listed: { email: string; token: string; status: string }[] = [];
  let size = 2; // []
  for (const r of pending) {
    const ref = { email: r.email, token: r.token, status: r.status };
    const entry = bytes(ref) + 1;
    if (listed.length >= max || size + entry > MAX_PENDING_BYTES) break;
    listed.push(ref);
    size += entry;
  }
  return listed;
}
