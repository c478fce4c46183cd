/**
 * The polling path's read: messages due now, from the sparse `due` index
 * (never a Scan), oldest due first, page by page up to a limit.
 */
import type { QueryCommandInput } from '@aws-sdk/client-dynamodb';
import type { TrackedMessage } from '../domain/tracked-message.ts';
import type { Item } from './attributes.ts';
import type { TableRef } from './chunk-io.ts';
import { StoreError } from './errors.ts';
import { readMessage } from './message-item.ts';
import { dueNames } from './meta-updates.ts';
import { queryPage } from './query-all.ts';
import { DUE_INDEX, DUE_PARTITION } from './table.ts';

/**
 * Messages due at `now` (every indexed one with `force`): active ones, and
 * ended ones whose outbox still needs a flush.
 *
 * @throws StoreError for a limit that is not a positive integer.
 */
export async function listDueMessages(
  table: TableRef,
  now: Date,
  options: { force?: boolean; limit?: number } = {},
): Promise<TrackedMessage[]> {
  const limit = options.limit ?? Number.POSITIVE_INFINITY;
  if (!(limit > 0) || (Number.isFinite(limit) && !Number.isInteger(limit))) {
    throw new StoreError(`listDue limit must be a positive integer, got ${options.limit}`);
  }
  const query: QueryCommandInput = {
    TableName: table.tableName,
    IndexName: DUE_INDEX.name,
    ...(options.force
      ? {
          KeyConditionExpression: '#duePk = :due',
          ExpressionAttributeNames: { '#duePk': DUE_INDEX.partitionKey.name },
          ExpressionAttributeValues: { ':due': { S: DUE_PARTITION } },
        }
      : {
          KeyConditionExpression: '#duePk = :due AND #dueAt <= :now',
          ExpressionAttributeNames: dueNames(),
          ExpressionAttributeValues: {
            ':due': { S: DUE_PARTITION },
            ':now': { S: now.toISOString() },
          },
        }),
  };
  const due: TrackedMessage[] = [];
  let startKey: Item | undefined;
  do {
    const page = await queryPage(
      table.client,
      {
        ...query,
        ExclusiveStartKey: startKey,
        Limit: Number.isFinite(limit) ? limit - due.length : undefined,
      },
      'listing due messages',
    );
    for (const item of page.Items ?? []) {
      // Ended messages stay in the index until their outbox is flushed (see retire).
      due.push(readMessage(item));
    }
    startKey = page.LastEvaluatedKey;
  } while (startKey && due.length < limit);
  return due;
}
