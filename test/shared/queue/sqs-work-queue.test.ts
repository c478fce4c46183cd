/** Fault paths of the SQS adapter, with the SDK client faked (no SQS server runs here). */
import { SendMessageBatchCommand, SQSClient } from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { QueueError } from '../../../shared/queue/errors.ts';
import { SqsWorkQueue } from '../../../shared/queue/sqs-work-queue.ts';

const sqs = mockClient(SQSClient);
const items = (n: number) =>
  Array.from({ length: n }, (_, i) => ({
    messageId: `m-${i}`,
    dedupId: `m-${i}#2026-11-27T09:00:00.000Z`,
  }));
const queue = () =>
  new SqsWorkQueue({
    client: new SQSClient({}),
    queueUrl: 'https://sqs/q.fifo',
    sleep: async () => {},
  });

beforeEach(() => sqs.reset());

describe('SqsWorkQueue', () => {
  it('sends FIFO batches of at most 10, grouped and deduplicated per message', async () => {
    sqs.on(SendMessageBatchCommand).resolves({ Successful: [], Failed: [] });
    expect(await queue().enqueue(items(23))).toEqual({ failed: [] });
    const calls = sqs.commandCalls(SendMessageBatchCommand);
    expect(calls.map((c) => c.args[0].input.Entries?.length)).toEqual([10, 10, 3]);
    const first = calls[0]?.args[0].input.Entries?.[0];
    expect(first).toMatchObject({
      MessageBody: '{"messageId":"m-0"}',
      MessageGroupId: 'm-0',
      MessageDeduplicationId: 'm-0#2026-11-27T09:00:00.000Z',
    });
  });

  it('retries only the entries SQS refused, and reports those that never went', async () => {
    sqs
      .on(SendMessageBatchCommand)
      .resolvesOnce({
        Failed: [
          { Id: '1', Code: 'InternalError', SenderFault: false },
          { Id: '2', Code: 'InvalidParameterValue', SenderFault: true },
        ],
      })
      .resolves({ Failed: [] });
    expect(await queue().enqueue(items(3))).toEqual({ failed: ['m-2'] });
    const second = sqs.commandCalls(SendMessageBatchCommand)[1]?.args[0].input.Entries;
    expect(second?.map((e) => e.MessageGroupId)).toEqual(['m-1']);
  });

  it('gives up after its attempts with a clear error when SQS keeps failing', async () => {
    sqs.on(SendMessageBatchCommand).rejects(new Error('ServiceUnavailable'));
    await expect(queue().enqueue(items(1))).rejects.toThrow(QueueError);
    expect(sqs.commandCalls(SendMessageBatchCommand)).toHaveLength(4);
  });

  it('hashes a deduplication id SQS would refuse', async () => {
    sqs.on(SendMessageBatchCommand).resolves({ Failed: [] });
    await queue().enqueue([{ messageId: 'é', dedupId: `é#${'x'.repeat(200)}` }]);
    const id =
      sqs.commandCalls(SendMessageBatchCommand)[0]?.args[0].input.Entries?.[0]
        ?.MessageDeduplicationId;
    expect(id).toMatch(/^[0-9a-f]{64}$/);
  });
});
