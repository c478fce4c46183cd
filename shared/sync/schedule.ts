/**
 * When to poll a message next. Pure: the clock comes in as `now`.
 *
 * This is the fixed-interval schedule (every cycle, with a slower pace for a
 * message the provider does not know yet). The adaptive schedule replaces it
 * behind the same signature.
 */
import type { NextPollInput } from './sync-message.ts';

export interface FixedScheduleOptions {
  /** Interval between polls of a message (default 60 s, the smallest rule rate). */
  readonly intervalMs?: number;
  /** Interval while the provider answers "message not found" (default 2 min). */
  readonly notFoundIntervalMs?: number;
}

export function fixedSchedule(options: FixedScheduleOptions = {}): (input: NextPollInput) => Date {
  const interval = options.intervalMs ?? 60_000;
  const notFound = options.notFoundIntervalMs ?? 120_000;
  return ({ now, outcome }) =>
    new Date(now.getTime() + (outcome === 'not-found' ? notFound : interval));
}
