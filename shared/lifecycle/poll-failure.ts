/**
 * Failing polls: a message whose poll fails is rescheduled whatever went wrong
 * (never left oldest-due to be first, and fail first, in every cycle), backs off
 * while it keeps failing the same way, and is reported once as a poison message
 * when the streak reaches `POISON_AFTER`. Pure: times come in as arguments.
 */
import type { LifecyclePolicy } from './policy.ts';

/** Consecutive failed polls of one message with one error kind. */
export interface FailureStreak {
  /** The error kind (as in the SyncErrors metric). */
  readonly kind: string;
  /** Polls in a row that failed with this kind. */
  readonly count: number;
  /** ISO 8601: when the first of them failed. */
  readonly since: string;
}

/** A message failing the same way this many polls in a row is reported as poison. */
export const POISON_AFTER = 5;

/** The streak after one more failure of `kind` at `at`; another kind starts a new streak. */
export function nextStreak(
  previous: FailureStreak | null | undefined,
  kind: string,
  at: Date,
): FailureStreak {
  return previous?.kind === kind
    ? { kind, count: previous.count + 1, since: previous.since }
    : { kind, count: 1, since: at.toISOString() };
}

/**
 * Wait before the next poll of a failing message: the shortest interval,
 * doubling with each failure in a row, at most the longest interval.
 */
export function failureBackoffMs(policy: LifecyclePolicy, streak: FailureStreak): number {
  const doubled = policy.minIntervalMs * 2 ** Math.min(30, streak.count - 1);
  return Math.min(policy.maxIntervalMs, doubled);
}

/** Whether this failure makes the message a poison message (reported once per streak). */
export function becamePoison(streak: FailureStreak): boolean {
  return streak.count === POISON_AFTER;
}
