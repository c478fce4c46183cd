/** Fan-out's dispatcher within the budget: the most overdue for their own interval go first. */
import { describe, expect, it } from 'vitest';
import type { TrackedMessage } from '../../../shared/domain/tracked-message.ts';
import type { WorkItem } from '../../../shared/ports.ts';
import { dispatchDue } from '../../../shared/sync/dispatch.ts';

const NOW = Date.parse('2026-11-27T09:00:00Z');
const iso = (ms: number) => new Date(ms).toISOString();

/** A listed message polled `lastAgoMs` ago and due `dueAgoMs` ago. */
function listed(messageId: string, lastAgoMs: number, dueAgoMs: number): TrackedMessage {
  return {
    messageId,
    metadata: {},
    trackedAt: iso(NOW - 86_400_000),
    nextPollAt: iso(NOW - dueAgoMs),
    lastPolledAt: iso(NOW - lastAgoMs),
    active: true,
    state: 'active',
    sendAt: null,
    expectedSendAt: iso(NOW - 86_400_000),
    sendReason: 'now',
    endedAt: null,
  };
}

describe('dispatchDue', () => {
  it('enqueues at most the budget, the most overdue for their interval first, from 3 × the budget listed', async () => {
    // Oldest due first, as the due index lists them: two quiet messages (2 h interval,
    // 1 min overdue) before two fresh ones (10 s interval, 20 s overdue).
    const due = [
      listed('quiet-1', 2 * 3_600_000 + 60_000, 60_000),
      listed('quiet-2', 2 * 3_600_000 + 50_000, 50_000),
      listed('fresh-1', 30_000, 20_000),
      listed('fresh-2', 29_000, 19_000),
    ];
    const limits: (number | undefined)[] = [];
    const enqueued: WorkItem[] = [];
    const summary = await dispatchDue(
      {
        store: {
          listDue: async (_now, options) => {
            limits.push(options?.limit);
            return due.slice(0, options?.limit);
          },
        },
        queue: {
          enqueue: async (items) => {
            enqueued.push(...items);
            return { failed: [] };
          },
        },
      },
      new Date(NOW),
      { budgetPerMinute: 2 },
    );
    expect(limits).toEqual([6]);
    expect(enqueued.map((i) => i.messageId)).toEqual(['fresh-1', 'fresh-2']);
    expect(summary).toEqual({ due: 4, enqueued: 2, failed: 0, capped: true });
  });
});
