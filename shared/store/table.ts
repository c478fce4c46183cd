/**
 * The one table's shape, as plain data: the CDK stack and `createTable` (local
 * use) both read it, so the key schema is written down exactly once.
 *
 * Items of one message share the partition `MSG#<messageId>`; their sort keys
 * order them so that one Query with `sk >= 'META'` reads the message and its
 * state chunks but not its audit trail:
 *
 *   AUDIT#<recipient hash>#<sequence>#<eventId>   audit records (sort before META)
 *   META                                          the tracked message
 *   STATE#00000, STATE#00001, ...                 recipient state chunks + outbox
 *
 * Two partitions belong to the deployment, not to a message:
 *
 *   CONFIG / PUBLICATION      the publication form, written once (privacy/checked-publication.ts)
 *   FORGOTTEN / <key>         one tombstone per forgotten person (privacy/forget.ts)
 */
import type { CreateTableCommandInput } from '@aws-sdk/client-dynamodb';

/** A key attribute: the same shape CDK's `Attribute` takes (`'S'` is `AttributeType.STRING`). */
export interface KeyAttribute {
  readonly name: string;
  readonly type: 'S';
}

export const PARTITION_KEY: KeyAttribute = { name: 'pk', type: 'S' };
export const SORT_KEY: KeyAttribute = { name: 'sk', type: 'S' };

/** A global secondary index: its keys, and the whole item projected (no second read). */
export interface IndexSpec {
  readonly name: string;
  readonly partitionKey: KeyAttribute;
  readonly sortKey: KeyAttribute;
  readonly projection: 'ALL';
}

/**
 * Sparse GSI of the messages to poll: only active messages carry `duePk`
 * (always `DUE`) and `dueAt` (= nextPollAt, ISO 8601, so it sorts by time).
 */
export const DUE_INDEX = {
  name: 'due',
  partitionKey: { name: 'duePk', type: 'S' },
  sortKey: { name: 'dueAt', type: 'S' },
  /** The whole message is read from the index: no second read per due message. */
  projection: 'ALL',
} as const satisfies IndexSpec;

/**
 * Sparse GSI of one person's audit records across messages: only audit records
 * of recipient events carry `recipientHash` (`Publication.recipientKey` of the
 * address: a hash, salted when the deployment hashes, never the address), and
 * `observedAt` sorts them oldest first.
 */
export const RECIPIENT_INDEX = {
  name: 'recipient',
  partitionKey: { name: 'recipientHash', type: 'S' },
  sortKey: { name: 'observedAt', type: 'S' },
  /** History reads whole records from the index: no second read per record. */
  projection: 'ALL',
} as const satisfies IndexSpec;

/** Every global secondary index of the table, for `createTable` and the stack. */
export const INDEXES = [DUE_INDEX, RECIPIENT_INDEX] as const;

/** The only `duePk` value: every due message lives in one index partition. */
export const DUE_PARTITION = 'DUE';

/** TTL attribute (epoch seconds) of audit records; TTL itself is enabled by the stack. */
export const TTL_ATTRIBUTE = 'expiresAt';

/** Billing mode of the table: on demand (polling load is bursty and small). */
export const BILLING_MODE = 'PAY_PER_REQUEST';

/** `CreateTable` input for local use (dynalite, DynamoDB Local); the stack builds its own from the same data. */
export function createTableInput(tableName: string): CreateTableCommandInput {
  const keys = [PARTITION_KEY, SORT_KEY, ...INDEXES.flatMap((i) => [i.partitionKey, i.sortKey])];
  return {
    TableName: tableName,
    BillingMode: BILLING_MODE,
    AttributeDefinitions: keys.map((k) => ({ AttributeName: k.name, AttributeType: k.type })),
    KeySchema: [
      { AttributeName: PARTITION_KEY.name, KeyType: 'HASH' },
      { AttributeName: SORT_KEY.name, KeyType: 'RANGE' },
    ],
    GlobalSecondaryIndexes: INDEXES.map((index) => ({
      IndexName: index.name,
      KeySchema: [
        { AttributeName: index.partitionKey.name, KeyType: 'HASH' },
        { AttributeName: index.sortKey.name, KeyType: 'RANGE' },
      ],
      Projection: { ProjectionType: index.projection },
    })),
  };
}
