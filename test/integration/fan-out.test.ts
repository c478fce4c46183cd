/**
 * Fan-out mode end to end over loopback: the dispatcher enqueues due messages,
 * the worker (a real middy chain with Powertools' FIFO batch processor) syncs
 * them and reports partial failures per message.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import type { Context, SQSEvent } from 'aws-lambda';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { createDispatcherHandler } from '../../functions/dispatcher.ts';
import { createWorkerHandler } from '../../functions/worker.ts';
import type { WorkItem, WorkQueue } from '../../shared/ports.ts';
import { type Harness, startHarness } from '../support/harness.ts';

/** An in-memory FIFO queue with SQS's 5-minute deduplication by id. */
class MemoryFifo implements WorkQueue {
  readonly items: WorkItem[] = [];
  readonly #seen = new Set<string>();
  async enqueue(items: readonly WorkItem[]) {
    for (const item of items) {
      if (this.#seen.has(item.dedupId)) continue;
      this.#seen.add(item.dedupId);
      this.items.push(item);
    }
    return { failed: [] };
  }
  /** Takes up to 10 items as the SQS event a worker receives. */
  drain(): SQSEvent {
    const batch = this.items.splice(0, 10);
    return {
      Records: batch.map((item, i) => ({
        messageId: `sqs-${item.messageId}-${i}`,
        receiptHandle: 'r',
        body: JSON.stringify({ messageId: item.messageId }),
        attributes: {
          ApproximateReceiveCount: '1',
          SentTimestamp: '0',
          SenderId: 's',
          ApproximateFirstReceiveTimestamp: '0',
          MessageGroupId: item.messageId,
          MessageDeduplicationId: item.dedupId,
          SequenceNumber: String(i),
        },
        messageAttributes: {},
        md5OfBody: '',
        eventSource: 'aws:sqs',
        eventSourceARN: 'arn:aws:sqs:us-east-1:111122223333:work.fifo',
        awsRegion: 'us-east-1',
      })),
    } as SQSEvent;
  }
}

const context = {
  functionName: 'worker',
  awsRequestId: 'req',
  getRemainingTimeInMillis: () => 60_000,
} as unknown as Context;
const quiet = () => new Logger({ serviceName: 'test', logLevel: 'SILENT' });

let h: Harness;
beforeAll(async () => {
  h = await startHarness({ tableName: 'fan-out-test' });
});
afterAll(async () => {
  await h?.close();
});
beforeEach(async () => {
  h.now += 24 * 3_600_000;
  for (const m of await h.store.listDue(new Date(h.now), { force: true })) {
    await h.store.untrack(m.messageId);
    await h.store.retire(m.messageId);
  }
});

function dispatcher(queue: WorkQueue, budgetPerMinute: number) {
  return createDispatcherHandler({
    store: h.store,
    queue,
    budgetPerMinute,
    clock: () => new Date(h.now),
    logger: quiet(),
    metrics: new Metrics({ namespace: 'Test', serviceName: 'dispatcher' }),
  });
}

describe('fan-out', () => {
  it('dispatches at most the budget per run, oldest due first, and never the same due instance twice', async () => {
    for (let i = 0; i < 5; i++) {
      await h.store.track(`cap-${i}`, {}, new Date(h.now - (5 - i) * 1000));
    }
    const queue = new MemoryFifo();
    const summary = await dispatcher(queue, 3)({}, context);
    expect(summary).toEqual({ due: 5, enqueued: 3, failed: 0, capped: true });
    expect(queue.items.map((i) => i.messageId)).toEqual(['cap-0', 'cap-1', 'cap-2']);
    await dispatcher(queue, 3)({}, context); // a repeated run within the dedup window
    expect(queue.items).toHaveLength(3);
  });

  it('workers sync what was dispatched and report only the failing message for redelivery', async () => {
    h.simulator.script('fo-ok-1', [
      { kind: 'ok', recipients: [{ email: 'a@x.fr', status: 'Delivered' }] },
    ]);
    h.simulator.script('fo-ok-2', [
      { kind: 'ok', recipients: [{ email: 'b@x.fr', status: 'Opened' }] },
    ]);
    h.simulator.script('fo-bad', [{ kind: 'http', status: 503 }]);
    for (const id of ['fo-ok-1', 'fo-bad', 'fo-ok-2']) await h.store.track(id, {}, new Date(h.now));
    const queue = new MemoryFifo();
    await dispatcher(queue, 100)({}, context);
    const event = queue.drain();

    const metrics = new Metrics({ namespace: 'Test', serviceName: 'worker' });
    const added = vi.spyOn(metrics, 'addMetric');
    const worker = createWorkerHandler({ syncDeps: () => h.deps(), logger: quiet(), metrics });
    const response = await worker(event, context);
    expect(added.mock.calls.filter((c) => c[0] === 'MessagesPolled')).toHaveLength(3);
    expect(added.mock.calls.filter((c) => c[0] === 'StatusChanges').map((c) => c[2])).toEqual([
      1, 1,
    ]);

    const bad = event.Records.find((r) => r.body.includes('fo-bad'));
    expect(response.batchItemFailures).toEqual([{ itemIdentifier: bad?.messageId }]);
    const types = (id: string) =>
      h.bus.events.filter((e) => e.detail.messageId === id).map((e) => e.detailType);
    expect(types('fo-ok-1')).toEqual(['RecipientDelivered']);
    expect(types('fo-ok-2')).toEqual(['RecipientOpened']);
    expect(types('fo-bad')).toEqual([]);
  });

  it('drops a malformed work item instead of retrying it forever', async () => {
    const queue = new MemoryFifo();
    const event = queue.drain();
    const worker = createWorkerHandler({ syncDeps: () => h.deps(), logger: quiet() });
    const malformed = {
      Records: [
        {
          ...(event.Records[0] ?? {}),
          messageId: 'm1',
          body: '{"nope":1}',
          attributes: { MessageGroupId: 'g' },
        },
      ],
    } as unknown as SQSEvent;
    expect(await worker(malformed, context)).toEqual({ batchItemFailures: [] });
  });
});
