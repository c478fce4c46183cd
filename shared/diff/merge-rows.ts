/**
 * What one reply says about a recipient it lists more than once. Pure.
 *
 * MailPartner documents one row per recipient, but a reply can repeat one (a
 * retry on their side, a report appended rather than replaced). Taking the last
 * row blindly would let a stale `Waiting` row without `stopMail` erase a
 * `Delivered` one with it: an unsubscribe lost, and a status going backwards.
 */
import type { RecipientReport } from '../model.ts';
import { statusRank } from './status.ts';

/**
 * Merges two rows of one recipient (same `recipientKey()`), `later` listed after
 * `earlier` in the reply. The rule, in order:
 *
 * 1. **`stopMail` is true when any row says so.** An unsubscribe is never lost:
 *    a row without it is more likely stale than a withdrawal, and a withdrawal
 *    shows again on the next poll, where it is a change of its own.
 * 2. **The more advanced status wins** by {@link statusRank} (pending or
 *    unknown < delivered or not delivered < opened < clicked): a status never
 *    goes backwards within one reply. Its row gives `status`, `cost`, `statusAt`
 *    and the address as written.
 * 3. **Equal ranks: the later row wins**, since the provider lists reports in
 *    order (so `Delivered` then `Not delivered` gives `Not delivered`, and two
 *    unknown statuses give the later one).
 *
 * Associative, so folding the rows in reply order gives one answer whatever the
 * number of duplicates; idempotent, so a row repeated verbatim changes nothing.
 */
export function mergeReports(earlier: RecipientReport, later: RecipientReport): RecipientReport {
  const winner = statusRank(earlier.status) > statusRank(later.status) ? earlier : later;
  const stopMail = earlier.stopMail || later.stopMail;
  return winner.stopMail === stopMail ? winner : { ...winner, stopMail };
}

/**
 * The rows of a reply with each recipient once: duplicates merged by
 * {@link mergeReports}, at the position of the recipient's first row.
 */
export function mergeDuplicateRows(
  rows: Iterable<RecipientReport>,
  keyOf: (report: RecipientReport) => string,
): Map<string, RecipientReport> {
  const merged = new Map<string, RecipientReport>();
  for (const row of rows) {
    const key = keyOf(row);
    const seen = merged.get(key);
    merged.set(key, seen === undefined ? row : mergeReports(seen, row));
  }
  return merged;
}
