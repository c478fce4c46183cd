/**
 * Which due messages go first when more are due than the budget allows: the
 * ones most overdue relative to their own interval. Pure and clock-free.
 *
 * Why a ratio: the scheduler gives each message the interval after which one
 * more change is as likely as for any other (`next-poll.ts`), so how many times
 * that interval has passed since the last poll measures the changes waiting to
 * be seen. A fresh send due after 10 s and waiting 10 s more scores 2; a quiet
 * message due after 2 h and waiting the same 10 s scores about 1: the fresh
 * one goes first, and a waiting message's score keeps growing, so none starves.
 */

/** What the priority reads of a tracked message (ISO 8601 strings, as the store lists them). */
export interface DueMessage {
  readonly nextPollAt: string;
  readonly lastPolledAt: string | null;
  /** When its lifecycle started (the expected send); the first interval counts from it. */
  readonly expectedSendAt: string;
}

/** (now − last poll) / (next poll − last poll): 1 when just due, growing while it waits. */
export function priorityOf(dueMs: number, lastMs: number, nowMs: number): number {
  const from = Math.min(lastMs, dueMs);
  return (nowMs - from) / Math.max(1, dueMs - from);
}

/** {@link priorityOf} for a listed message; never polled: its interval counts from the expected send. */
export function pollPriority(m: DueMessage, nowMs: number): number {
  const last = m.lastPolledAt === null ? m.expectedSendAt : m.lastPolledAt;
  return priorityOf(Date.parse(m.nextPollAt), Date.parse(last), nowMs);
}

/**
 * The `limit` due messages to poll now, highest priority first; ties keep the
 * given order (the due index lists the oldest due first).
 */
export function pickDue<T extends DueMessage>(
  due: readonly T[],
  nowMs: number,
  limit: number,
): T[] {
  if (due.length <= limit) return [...due];
  return due
    .map((m, i) => ({ m, i, p: pollPriority(m, nowMs) }))
    .sort((a, b) => b.p - a.p || a.i - b.i)
    .slice(0, Math.max(0, limit))
    .map((x) => x.m);
}
