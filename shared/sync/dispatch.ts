/**
 * Fan-out, the dispatching half: the scheduled function only finds due messages
 * and hands them to a work queue; workers poll and sync them.
 *
 * The dispatcher is also the first half of the shared rate limit: it runs once a
 * minute (the smallest schedule rate) and enqueues at most `budgetPerMinute`
 * messages, each of which costs one provider request when all goes well. The
 * workers' own throttle (budget / workers a minute each) covers retries and
 * redeliveries (see `throttled-provider.ts`), so dispatcher and workers together
 * never exceed the budget in any minute.
 *
 * When more are due than the budget allows it lists up to `CANDIDATES` times the
 * budget and enqueues the most overdue for their own interval first
 * (`pickDue`, as the poller's ticks do), not merely the oldest due.
 * Fan-out polls at most once a minute a message: no sub-minute ticks (a work
 * item a tick would multiply queue requests for a few seconds of latency).
 */
import type { TrackedMessage } from '../domain/tracked-message.ts';
import type { StatusStore, WorkItem, WorkQueue } from '../ports.ts';
import { pickDue } from '../schedule/priority.ts';

/** Due messages listed per message the budget allows, to choose from. */
const CANDIDATES = 3;

export interface DispatchSummary {
  /** Due messages seen: at most 3 × the budget. */
  readonly due: number;
  readonly enqueued: number;
  readonly failed: number;
  /** True when more messages were due than the budget allowed (they wait a minute). */
  readonly capped: boolean;
}

export function workItem(message: TrackedMessage): WorkItem {
  return { messageId: message.messageId, dedupId: `${message.messageId}#${message.nextPollAt}` };
}

/** Finds the due messages (at most the budget, highest priority first) and enqueues them. */
export async function dispatchDue(
  deps: { readonly store: Pick<StatusStore, 'listDue'>; readonly queue: WorkQueue },
  now: Date,
  options: { readonly budgetPerMinute: number },
): Promise<DispatchSummary> {
  const budget = Math.max(1, Math.floor(options.budgetPerMinute));
  const due = await deps.store.listDue(now, { limit: CANDIDATES * budget });
  const batch = pickDue(due, now.getTime(), budget);
  const { failed } = await deps.queue.enqueue(batch.map(workItem));
  return {
    due: due.length,
    enqueued: batch.length - failed.length,
    failed: failed.length,
    capped: due.length > budget,
  };
}
