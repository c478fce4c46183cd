/**
 * BatchWriteItem in batches of 25, each retried with exponential backoff while
 * DynamoDB hands back `UnprocessedItems` (only those are sent again).
 */
import {
  BatchWriteItemCommand,
  type DynamoDBClient,
  type WriteRequest,
} from '@aws-sdk/client-dynamodb';
import pLimit from 'p-limit';
import { StoreThrottledError, translateError } from './errors.ts';

/** BatchWriteItem takes at most 25 puts. */
const BATCH_WRITE_SIZE = 25;
/** Attempts of one batch while DynamoDB hands back `UnprocessedItems`. */
const BATCH_WRITE_ATTEMPTS = 8;
const BACKOFF_BASE_MS = 50;
const BACKOFF_MAX_MS = 2_000;
/** Batches in flight at once. */
const BATCH_CONCURRENCY = 4;

function backoffMs(attempt: number): number {
  return Math.min(BACKOFF_MAX_MS, BACKOFF_BASE_MS * 2 ** attempt);
}

export interface BatchWriteOptions {
  readonly client: DynamoDBClient;
  readonly tableName: string;
  readonly sleep: (ms: number) => Promise<void>;
  /** What the items are, for the throttling message: "audit record(s) of message m-1". */
  readonly what: string;
  /** What the caller is doing, for other errors: "writing audit records of message m-1". */
  readonly doing: string;
}

/**
 * Writes every request, 25 a call, at most 4 calls in flight.
 *
 * @throws StoreThrottledError when items are still unprocessed after 8 attempts.
 */
export async function batchWriteAll(
  options: BatchWriteOptions,
  requests: readonly WriteRequest[],
): Promise<void> {
  const limit = pLimit(BATCH_CONCURRENCY);
  const batches: Promise<void>[] = [];
  for (let i = 0; i < requests.length; i += BATCH_WRITE_SIZE) {
    const batch = requests.slice(i, i + BATCH_WRITE_SIZE);
    batches.push(limit(() => writeBatch(options, batch)));
  }
  await Promise.all(batches);
}

async function writeBatch(options: BatchWriteOptions, batch: WriteRequest[]): Promise<void> {
  const { client, tableName, sleep, what, doing } = options;
  let pending = batch;
  for (let attempt = 0; attempt < BATCH_WRITE_ATTEMPTS; attempt++) {
    if (attempt > 0) await sleep(backoffMs(attempt - 1));
    let out: Awaited<ReturnType<typeof send>>;
    try {
      out = await send(client, tableName, pending);
    } catch (error) {
      throw translateError(error, tableName, doing);
    }
    const unprocessed = out.UnprocessedItems?.[tableName] ?? [];
    if (unprocessed.length === 0) return;
    pending = unprocessed;
  }
  throw new StoreThrottledError(
    `DynamoDB left ${pending.length} ${what} unprocessed after ${BATCH_WRITE_ATTEMPTS} attempts on table ${tableName}; retry later or raise the table's capacity`,
  );
}

function send(client: DynamoDBClient, tableName: string, pending: WriteRequest[]) {
  return client.send(new BatchWriteItemCommand({ RequestItems: { [tableName]: pending } }));
}
