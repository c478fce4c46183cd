/**
 * The `AuditLog` on DynamoDB: audit records live in each message's partition,
 * before its META item (`AUDIT#…` sorts before `META`), so `load` skips them.
 *
 * Request costs: `writeAudit` 1 BatchWriteItem per 25 events (more only while
 * DynamoDB hands back unprocessed items); `history` 1 Query per 1 MB of records.
 */
import { setTimeout as delay } from 'node:timers/promises';
import type { DynamoDBClient, WriteRequest } from '@aws-sdk/client-dynamodb';
import type { CatalogEvent } from '../catalog/events.ts';
import type { RecipientState } from '../model.ts';
import type { AuditLog, AuditRecord } from '../ports.ts';
import type { Item } from './attributes.ts';
import { auditItem, readAuditItem } from './audit-record.ts';
import { batchWriteAll } from './batch-write.ts';
import { StoreError } from './errors.ts';
import { AUDIT_PREFIX, messagePk } from './keys.ts';
import { NeedsRecipientsError } from './poisoned-event.ts';
import { queryAll } from './query-all.ts';

/** Default of `auditRetentionDays`. */
export const DEFAULT_AUDIT_RETENTION_DAYS = 90;

export interface DynamoAuditLogOptions {
  readonly client: DynamoDBClient;
  readonly tableName: string;
  /** How long audit records are kept before TTL may expire them. Default 90. */
  readonly auditRetentionDays?: number;
  /** Waits between retries of unprocessed batch items. */
  readonly sleep?: (ms: number) => Promise<void>;
  /**
   * The message's current recipients: an ending event stored with invalid
   * counts by an earlier version is rebuilt from them (the store passes its `load`).
   */
  readonly recipientsOf: (messageId: string) => Promise<readonly RecipientState[]>;
}

export class DynamoAuditLog implements AuditLog {
  readonly #client: DynamoDBClient;
  readonly #tableName: string;
  readonly #retentionDays: number;
  readonly #sleep: (ms: number) => Promise<void>;
  readonly #recipientsOf: (messageId: string) => Promise<readonly RecipientState[]>;

  constructor(options: DynamoAuditLogOptions) {
    const retention = options.auditRetentionDays ?? DEFAULT_AUDIT_RETENTION_DAYS;
    if (!(retention > 0)) {
      throw new StoreError(`auditRetentionDays must be a positive number, got ${retention}`);
    }
    this.#client = options.client;
    this.#tableName = options.tableName;
    this.#retentionDays = retention;
    this.#sleep = options.sleep ?? ((ms) => delay(ms));
    this.#recipientsOf = options.recipientsOf;
  }

  /**
   * One audit record per event, 25 per BatchWriteItem, batches retried with
   * exponential backoff while DynamoDB returns `UnprocessedItems`. Idempotent:
   * an event always makes the same item.
   *
   * @throws StoreThrottledError when items are still unprocessed after 8 attempts.
   */
  async writeAudit(messageId: string, events: readonly CatalogEvent[]): Promise<void> {
    // One batch must not name the same key twice; the same event twice is one record.
    const items = new Map<string, Item>();
    for (const event of events) {
      const item = auditItem(messageId, event, this.#retentionDays);
      items.set(item.sk?.S ?? '', item);
    }
    const requests: WriteRequest[] = [...items.values()].map((Item) => ({ PutRequest: { Item } }));
    await batchWriteAll(
      {
        client: this.#client,
        tableName: this.#tableName,
        sleep: this.#sleep,
        what: `audit record(s) of message ${messageId}`,
        doing: `writing audit records of message ${messageId}`,
      },
      requests,
    );
  }

  /** Audit records of a message (optionally of one address), by email, token, then sequence. */
  async history(messageId: string, options: { email?: string } = {}): Promise<AuditRecord[]> {
    const items = await queryAll(
      this.#client,
      {
        TableName: this.#tableName,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :audit)',
        ExpressionAttributeValues: {
          ':pk': { S: messagePk(messageId) },
          ':audit': { S: AUDIT_PREFIX },
          ...(options.email === undefined ? {} : { ':email': { S: options.email } }),
        },
        ...(options.email === undefined ? {} : { FilterExpression: 'email = :email' }),
      },
      `reading the history of message ${messageId}`,
    );
    let records: AuditRecord[];
    try {
      records = items.map((item) => readAuditItem(item));
    } catch (error) {
      if (!(error instanceof NeedsRecipientsError)) throw error;
      // An ending event stored with invalid counts by an earlier version: rebuilt from the recipients.
      const recipients = [...(await this.#recipientsOf(messageId))];
      records = items.map((item) => readAuditItem(item, recipients));
    }
    return records.sort(
      (a, b) => compare(a.email, b.email) || compare(a.token, b.token) || a.sequence - b.sequence,
    );
  }
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
