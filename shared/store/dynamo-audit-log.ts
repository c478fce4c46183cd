/**
 * The `AuditLog` on DynamoDB: audit records live in each message's partition,
 * before its META item (`AUDIT#…` sorts before `META`), so `load` skips them.
 *
 * Request costs: `writeAudit` 1 BatchWriteItem per 25 events (more only while
 * DynamoDB hands back unprocessed items), plus, once per process, the check of
 * the publication form when a checked source is given; `history` 1 Query per
 * 1 MB of records; `recipientHistory` 1 Query of the recipient index per 1 MB.
 */
import { setTimeout as delay } from 'node:timers/promises';
import type { DynamoDBClient, WriteRequest } from '@aws-sdk/client-dynamodb';
import type { CatalogEvent } from '../catalog/events.ts';
import type { RecipientState } from '../model.ts';
import type { AuditLog, AuditRecord } from '../ports.ts';
import type { PublicationSource } from '../privacy/checked-publication.ts';
import { publicationFor } from '../privacy/publication.ts';
import type { Item } from './attributes.ts';
import { auditItem, readAuditItem } from './audit-record.ts';
import { batchWriteAll } from './batch-write.ts';
import { StoreError } from './errors.ts';
import { AUDIT_PREFIX, messagePk } from './keys.ts';
import { NeedsRecipientsError } from './poisoned-event.ts';
import { queryAll } from './query-all.ts';
import { RECIPIENT_INDEX } from './table.ts';

/** Plain addresses, never checked against the table (tests, and stores built without a source). */
export const UNCHECKED_PLAIN: PublicationSource = {
  forWriting: async () => publicationFor(null),
  forReading: async () => publicationFor(null),
};

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
  /**
   * The deployment's publication (privacy/checked-publication.ts): records hold
   * events in its form. Default: plain addresses, unchecked.
   */
  readonly publication?: PublicationSource;
}

export class DynamoAuditLog implements AuditLog {
  readonly #client: DynamoDBClient;
  readonly #tableName: string;
  readonly #retentionDays: number;
  readonly #sleep: (ms: number) => Promise<void>;
  readonly #recipientsOf: (messageId: string) => Promise<readonly RecipientState[]>;
  readonly #publication: PublicationSource;

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
    this.#publication = options.publication ?? UNCHECKED_PLAIN;
  }

  /**
   * One audit record per event, 25 per BatchWriteItem, batches retried with
   * exponential backoff while DynamoDB returns `UnprocessedItems`. Idempotent:
   * an event always makes the same item.
   *
   * @throws StoreThrottledError when items are still unprocessed after 8 attempts.
   * @throws PublicationFormError before writing anything when this process's
   *   publication form is not the deployment's.
   */
  async writeAudit(messageId: string, events: readonly CatalogEvent[]): Promise<void> {
    if (events.length === 0) return;
    const publication = await this.#publication.forWriting();
    // One batch must not name the same key twice; the same event twice is one record.
    const items = new Map<string, Item>();
    for (const event of events) {
      const item = auditItem(messageId, event, this.#retentionDays, publication);
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

  /**
   * One person's audit records across messages, from the recipient index: the
   * key is computed from the normalised address with this process's salt, so a
   * shell whose salt is not the deployment's is refused instead of finding nothing.
   *
   * @throws PublicationFormError when this process's form is not the deployment's.
   */
  async recipientHistory(email: string): Promise<AuditRecord[]> {
    const publication = await this.#publication.forReading();
    const items = await queryAll(
      this.#client,
      {
        TableName: this.#tableName,
        IndexName: RECIPIENT_INDEX.name,
        KeyConditionExpression: '#key = :key',
        ExpressionAttributeNames: { '#key': RECIPIENT_INDEX.partitionKey.name },
        ExpressionAttributeValues: { ':key': { S: publication.recipientKey(email) } },
      },
      'reading the history of a recipient',
    );
    // Recipient events only (the index is sparse): no ending event to rebuild.
    return items.map((item) => readAuditItem(item));
  }
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
