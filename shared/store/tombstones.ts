/**
 * Tombstones on DynamoDB: one item per forgotten person in the `FORGOTTEN`
 * partition, its sort key the person's recipient key (a hash, never the
 * address), with when they were forgotten and what the last erasure removed.
 *
 * Request costs: `keys` 1 Query per 1 MB (about 10,000 tombstones);
 * `add` and `noteErasure` 1 write each.
 */
import { type DynamoDBClient, PutItemCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import type { ErasureCounts, Tombstones } from '../ports.ts';
import type { TableRef } from './chunk-io.ts';
import { conditionalWrite } from './conditional-write.ts';
import { translateError } from './errors.ts';
import { FORGOTTEN_PK } from './keys.ts';
import { queryAll } from './query-all.ts';

/** `Tombstones` in the table's FORGOTTEN partition. */
export class DynamoTombstones implements Tombstones {
  readonly #client: DynamoDBClient;
  readonly #tableName: string;

  constructor(table: TableRef) {
    this.#client = table.client;
    this.#tableName = table.tableName;
  }

  /** Every key, strongly consistent: a tombstone added a moment ago is seen. */
  async keys(): Promise<ReadonlySet<string>> {
    const items = await queryAll(
      this.#client,
      {
        TableName: this.#tableName,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': { S: FORGOTTEN_PK } },
        ProjectionExpression: 'sk',
        ConsistentRead: true,
      },
      'reading the forgotten recipients',
    );
    return new Set(items.flatMap((item) => (item.sk?.S ? [item.sk.S] : [])));
  }

  add(key: string, at: Date): Promise<boolean> {
    return conditionalWrite(
      () =>
        this.#client.send(
          new PutItemCommand({
            TableName: this.#tableName,
            Item: {
              pk: { S: FORGOTTEN_PK },
              sk: { S: key },
              forgottenAt: { S: at.toISOString() },
            },
            ConditionExpression: 'attribute_not_exists(pk)',
          }),
        ),
      this.#tableName,
      'recording a forgotten recipient',
    );
  }

  async noteErasure(key: string, at: Date, counts: ErasureCounts): Promise<void> {
    try {
      await this.#client.send(
        new UpdateItemCommand({
          TableName: this.#tableName,
          Key: { pk: { S: FORGOTTEN_PK }, sk: { S: key } },
          UpdateExpression: 'SET lastErasureAt = :at, lastErasure = :counts ADD erasures :one',
          ExpressionAttributeValues: {
            ':at': { S: at.toISOString() },
            ':counts': {
              M: Object.fromEntries(
                Object.entries(counts).map(([name, n]) => [name, { N: String(n) }]),
              ),
            },
            ':one': { N: '1' },
          },
        }),
      );
    } catch (error) {
      throw translateError(error, this.#tableName, 'recording an erasure');
    }
  }
}
