/**
 * The work queue on SQS (FIFO): `SendMessageBatch` by 10, entries that fail
 * retried with backoff, the rest reported. Message group = messageId, so one
 * message is never synced by two workers at once; deduplication id = the due
 * instance, so a dispatcher run repeated within 5 minutes enqueues nothing twice.
 */
import { createHash } from 'node:crypto';
import { SendMessageBatchCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { WorkItem, WorkQueue } from '../ports.ts';
import { QueueError } from './errors.ts';
import { formatWorkItemBody } from './work-item-body.ts';

const BATCH = 10;

export interface SqsWorkQueueOptions {
  readonly client: SQSClient;
  readonly queueUrl: string;
  readonly maxAttempts?: number;
  readonly sleep?: (ms: number) => Promise<void>;
}

export class SqsWorkQueue implements WorkQueue {
  readonly #o: Required<SqsWorkQueueOptions>;

  constructor(options: SqsWorkQueueOptions) {
    this.#o = {
      maxAttempts: 4,
      sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
      ...options,
    };
  }

  async enqueue(items: readonly WorkItem[]): Promise<{ readonly failed: readonly string[] }> {
    const failed: string[] = [];
    for (let i = 0; i < items.length; i += BATCH) {
      failed.push(...(await this.#sendBatch(items.slice(i, i + BATCH))));
    }
    return { failed };
  }

  /** Sends one batch, retrying only the entries SQS refused; returns the messageIds never sent. */
  async #sendBatch(batch: readonly WorkItem[]): Promise<string[]> {
    let pending = batch.map((item, i) => ({ id: String(i), item }));
    const lost: string[] = [];
    for (let attempt = 0; attempt < this.#o.maxAttempts && pending.length > 0; attempt++) {
      if (attempt > 0) await this.#o.sleep(100 * 2 ** attempt);
      let failed: readonly { Id?: string; SenderFault?: boolean }[];
      try {
        const out = await this.#o.client.send(
          new SendMessageBatchCommand({
            QueueUrl: this.#o.queueUrl,
            Entries: pending.map(({ id, item }) => ({
              Id: id,
              MessageBody: formatWorkItemBody(item.messageId),
              MessageGroupId: item.messageId,
              MessageDeduplicationId: dedupKey(item.dedupId),
            })),
          }),
        );
        failed = out.Failed ?? [];
      } catch (error) {
        if (attempt === this.#o.maxAttempts - 1) {
          throw new QueueError(
            `SQS refused SendMessageBatch on ${this.#o.queueUrl}: ${(error as Error).message}`,
            { cause: error },
          );
        }
        continue;
      }
      // A sender fault (a bad entry) will not improve by retrying; the rest may.
      const retry = new Set(failed.filter((f) => !f.SenderFault).map((f) => f.Id));
      const permanent = new Set(failed.filter((f) => f.SenderFault).map((f) => f.Id));
      lost.push(...pending.filter((p) => permanent.has(p.id)).map((p) => p.item.messageId));
      pending = pending.filter((p) => retry.has(p.id));
    }
    return [...lost, ...pending.map((p) => p.item.messageId)];
  }
}

/** SQS takes up to 128 characters from a limited set: other ids are hashed. */
function dedupKey(id: string): string {
  if (/^[\w!"#$%&'()*+,\-./:;<=>?@[\\\]^`{|}~]{1,128}$/.test(id)) return id;
  return createHash('sha256').update(id).digest('hex');
}
