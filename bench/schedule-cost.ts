/**
 * What a schedule costs in the single-poller mode: provider requests a day and
 * Lambda duration (GB-seconds a month), from the simulated polls and a model of
 * the poller's time. The simulation has no clock, so the time is modelled:
 *
 * - each sync takes `SYNC_SECONDS` (a MailPartner round trip and the store's
 *   few requests, as the worker throttle's note assumes), `POLL_CONCURRENCY` at once;
 * - each tick lists the due index once (`TICK_SECONDS`);
 * - a 60 s schedule (the fixed backoff before) runs one cycle an invocation and
 *   is billed for its work; the 10 s ticks (default and round-robin) run for
 *   50 s of every invocation, sleeping between ticks, and are billed for the
 *   50 s plus the last tick's work, or for all the work when it does not fit.
 *
 * Steady state: one simulated day of sends makes every poll it will ever need,
 * so at a constant load its polls are the requests of any one day, unless that
 * is more than the budget allows in a day: the one-day simulation lets a day's
 * tail use the budget that, at a constant load, the next days' sends would
 * share; such a day is counted at the budget (`atBudget`).
 */
import { PRICES } from './pricing.ts';
import type { ScheduleSummary } from './schedule-job.ts';

/** The poller's memory in infra/single-poller.ts, GB. */
export const POLLER_GB = 0.5;
export const SYNC_SECONDS = 0.2;
export const POLL_CONCURRENCY = 8;
export const TICK_SECONDS = 0.05;
const INVOCATIONS_A_DAY = 1_440;
const DAYS_A_MONTH = 30;

export interface ScheduleCost {
  readonly providerRequestsPerDay: number;
  /** The simulated polls were more than the budget allows in a day. */
  readonly atBudget: boolean;
  /** Modelled sync work a day, s. */
  readonly busySecondsPerDay: number;
  /** Billed duration a day, s. */
  readonly billedSecondsPerDay: number;
  readonly gbSecondsPerMonth: number;
  readonly dollarsPerMonth: number;
}

export function scheduleCost(
  s: Pick<ScheduleSummary, 'polls' | 'tickMs' | 'budgetPerMinute'>,
): ScheduleCost {
  const requests = Math.min(s.polls, s.budgetPerMinute * INVOCATIONS_A_DAY);
  // Ticks at 0, 10, ..., 50 s: six an invocation at 10 s, one at 60 s.
  const ticks = s.tickMs < 60_000 ? Math.floor(50_000 / s.tickMs) + 1 : 1;
  const busyPerMinute =
    (requests / INVOCATIONS_A_DAY) * (SYNC_SECONDS / POLL_CONCURRENCY) + ticks * TICK_SECONDS;
  const billedPerMinute =
    ticks === 1 ? busyPerMinute : Math.max(50 + busyPerMinute / ticks, busyPerMinute);
  const billedSecondsPerDay = billedPerMinute * INVOCATIONS_A_DAY;
  const gbSecondsPerMonth = billedSecondsPerDay * DAYS_A_MONTH * POLLER_GB;
  return {
    providerRequestsPerDay: requests,
    atBudget: requests < s.polls,
    busySecondsPerDay: busyPerMinute * INVOCATIONS_A_DAY,
    billedSecondsPerDay,
    gbSecondsPerMonth,
    dollarsPerMonth: gbSecondsPerMonth * PRICES.lambdaArmPerGbSecond,
  };
}
