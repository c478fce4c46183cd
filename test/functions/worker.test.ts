/**
 * The worker handler with Powertools' real FIFO batch processor, over the
 * harness's real DynamoDB-API server, simulator and PutEvents endpoint: a work
 * item whose body can never be synced is a logged rejection that the batch
 * reports as success, so SQS neither redelivers it nor holds back its group.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import type { Context, SQSEvent, SQSRecord } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createWorkerHandler } from '../../functions/worker.ts';
import { LOG_MESSAGES } from '../../shared/catalog/telemetry.ts';
import { type Harness, startHarness } from '../support/harness.ts';

const context = {
  functionName: 'worker',
  awsRequestId: 'req',
  getRemainingTimeInMillis: () => 60_000,
} as unknown as Context;

function record(sqsMessageId: string, body: string, group: string): SQSRecord {
  return {
    messageId: sqsMessageId,
    receiptHandle: 'r',
    body,
    attributes: {
      ApproximateReceiveCount: '1',
      SentTimestamp: '0',
      SenderId: 's',
      ApproximateFirstReceiveTimestamp: '0',
      MessageGroupId: group,
      MessageDeduplicationId: sqsMessageId,
      SequenceNumber: '1',
    },
    messageAttributes: {},
    md5OfBody: '',
    eventSource: 'aws:sqs',
    eventSourceARN: 'arn:aws:sqs:us-east-1:111122223333:work.fifo',
    awsRegion: 'us-east-1',
  };
}

let h: Harness;
beforeAll(async () => {
  h = await startHarness({ tableName: 'worker-test' });
});
afterAll(async () => {
  await h?.close();
});

function worker() {
  const logger = new Logger({ serviceName: 'test', logLevel: 'SILENT' });
  const errors = vi.spyOn(logger, 'error');
  return { handler: createWorkerHandler({ syncDeps: () => h.deps(), logger }), errors };
}

describe('worker: work items that can never be synced', () => {
  let cases = 0;
  it.each([
    ['a body that is not JSON', 'hello, not json'],
    ['an empty body', ''],
    ['JSON of another shape', '{"nope":1}'],
    ['an empty messageId', '{"messageId":""}'],
    ['JSON that is not an object', '[1,2]'],
  ])('%s is logged and let go, and its group goes on', async (_what, body) => {
    const id = `wk-${++cases}`;
    h.simulator.script(id, [
      { kind: 'ok', recipients: [{ email: 'a@x.fr', status: 'Delivered' }] },
    ]);
    await h.store.track(id, {}, new Date(h.now));
    const { handler, errors } = worker();
    // Same FIFO group: had the bad item failed, the processor would skip the good one too.
    const event: SQSEvent = {
      Records: [
        record('sqs-bad', body, 'g-1'),
        record('sqs-ok', JSON.stringify({ messageId: id }), 'g-1'),
      ],
    };

    expect(await handler(event, context)).toEqual({ batchItemFailures: [] });

    expect(errors).toHaveBeenCalledTimes(1);
    const [message, extra] = errors.mock.calls[0] as [string, Record<string, unknown>];
    expect(message).toBe(LOG_MESSAGES.workItemRejected);
    expect(extra).toMatchObject({ sqsMessageId: 'sqs-bad', problem: expect.any(String) });
    if (body.length > 3) expect(String(extra.problem)).not.toContain(body);
    const synced = h.bus.events.filter((e) => e.detail.messageId === id);
    expect(synced.map((e) => e.detailType)).toContain('RecipientDelivered');
  });
});
