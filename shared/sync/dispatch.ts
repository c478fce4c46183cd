/**
 * Fan-out, the dispatching half: the scheduled function only finds due messages
 * and hands them to a work queue; workers poll and sync them.
 *
 * The dispatcher is also the first half of the shared rate limit: it runs once a
 * minute (the smallest schedule rate) and enqueues at most `budgetPerMinute`
 * messages, each of which costs one provider request when all goes well. The
 * workers' own throttle covers retries and redeliveries (see `throttled-provider.ts`).
 */
import type { TrackedMessage } from '../domain/tracked-message.ts';
import type { StatusStore, WorkItem, WorkQueue } from '../ports.ts';

export interface DispatchSummary {
  /** Due messages seen: at most budget + 1 (enough to tell whether the budget capped). */
  readonly due: number;
  readonly enqueued: number;
  readonly failed: number;
  /** True when more messages were due than the budget allowed (they wait a minute). */
  readonly capped: boolean;
}

export function workItem(message: TrackedMessage): WorkItem {
  return { messageId: message.messageId, dedupId: `${message.messageId}#${message.nextPollAt}` };
}

/** Finds the due messages (oldest first, at most the budget) and enqueues them. */
export async function dispatchDue(
  deps: { readonly store: Pick<StatusStore, 'listDue'>; readonly queue: WorkQueue },
  now: Date,
  options: { readonly budgetPerMinute: number },
): Promise<DispatchSummary> {
  const budget = Math.max(1, Math.floor(options.budgetPerMinute));
  // One over the budget tells whether anything had to wait.
  const due = await deps.store.listDue(now, { limit: budget + 1 });
  const batch = due.slice(0, budget);
  const { failed } = await deps.queue.enqueue(batch.map(workItem));
  return {
    due: due.length,
    enqueued: batch.length - failed.length,
    failed: failed.length,
    capped: due.length > budget,
  };
}
