/**
 * The provider budget as a sliding minute: how many requests may start now so
 * that no 60-second window holds more than the budget. Pure: the caller keeps
 * the record of what it spent and passes its own clock reading.
 *
 * Why sliding and not per calendar minute: a poller that runs several ticks a
 * minute could otherwise spend a whole budget at the end of one minute and
 * another at the start of the next, twice the budget within 60 s.
 */

const MINUTE = 60_000;

/** Requests started at one time. */
export interface Spent {
  readonly atMs: number;
  readonly count: number;
}

/** Requests still allowed at `nowMs`: the budget less what was spent in the last minute. */
export function minuteAllowance(spent: readonly Spent[], nowMs: number, budget: number): number {
  let used = 0;
  for (const s of spent) if (s.atMs > nowMs - MINUTE && s.atMs <= nowMs) used += s.count;
  return Math.max(0, Math.floor(budget) - used);
}

/** The record without entries older than a minute (they no longer count). */
export function pruneSpent(spent: readonly Spent[], nowMs: number): Spent[] {
  return spent.filter((s) => s.atMs > nowMs - MINUTE);
}

/**
 * A share of the budget for one tick of `tickMs`, so a minute of ticks spreads
 * its requests instead of spending them all in the first: at least
 * budget × tick / minute, twice that while the minute allows, so a burst of
 * fresh sends goes out in one or two ticks.
 */
export function tickShare(budget: number, tickMs: number): number {
  return Math.max(1, Math.ceil((2 * Math.floor(budget) * Math.min(tickMs, MINUTE)) / MINUTE));
}
