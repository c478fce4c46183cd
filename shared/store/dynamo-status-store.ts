/**
 * The DynamoDB `StatusStore`: one table (see `table.ts`), one partition per
 * message holding its META item, its recipient state chunks (each with its own
 * outbox) and its audit records.
 *
 * Request costs, for a message of up to 500 recipients: `load` 1 Query;
 * `commit` 1 PutItem (+1 UpdateItem the first time a chunk is created);
 * `markPublished` 1 PutItem; `writeAudit` 1 BatchWriteItem per 25 events.
 */
import { setTimeout as delay } from 'node:timers/promises';
import {
  BatchWriteItemCommand,
  CreateTableCommand,
  DescribeTableCommand,
  type DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  QueryCommand,
  type QueryCommandInput,
  UpdateItemCommand,
  type WriteRequest,
} from '@aws-sdk/client-dynamodb';
import pLimit from 'p-limit';
import type { CatalogEvent, MessageEvent } from '../catalog/events.ts';
import type { Metadata } from '../model.ts';
import type {
  CommitInput,
  LoadedMessage,
  StatusStore,
  TrackedMessage,
  TrackingState,
  PollRecord,
  TrackOptions,
  TrackResult,
} from '../sync/ports.ts';
import { type Item, readBinary, readNumber, readString } from './attributes.ts';
import { type AuditRecord, auditItem, readAuditItem } from './audit-record.ts';
import { type ChunkWrite, planMarkPublished } from './chunk-writes.ts';
import {
  ConcurrentUpdateError,
  CorruptItemError,
  isConditionalCheckFailed,
  StoreError,
  StoreThrottledError,
  translateError,
} from './errors.ts';
import { checkEvents } from './event-check.ts';
import { planFittingCommit } from './fit-chunks.ts';
import { AUDIT_PREFIX, chunkSk, META_SK, messagePk, parseChunkSk } from './keys.ts';
import {
  type MetaOutbox,
  messageItem,
  metaKey,
  readMessage,
  readMetaOutbox,
} from './message-item.ts';
import { type ChunkSnapshot, mergeChunks, toLoaded, versionOf } from './message-version.ts';
import { NeedsRecipientsError } from './poisoned-event.ts';
import { restartItemInput } from './restart-item.ts';
import { decodeChunk, encodeChunk } from './state-chunk.ts';
import { createTableInput, DUE_INDEX, DUE_PARTITION } from './table.ts';
import { validateTrackRequest } from './track-request.ts';

/** META's outbox is unchanged since it was loaded (every META item has outboxVersion). */
const OUTBOX_VERSION_MATCHES = 'outboxVersion = :expected';

export interface DynamoStatusStoreOptions {
  /** Injected so callers choose region, endpoint and middleware (request counters, tracing). */
  readonly client: DynamoDBClient;
  readonly tableName: string;
  /** How long audit records are kept before TTL may expire them. Default 90. */
  readonly auditRetentionDays?: number;
  /** Waits between retries of unprocessed batch items and table status polls. */
  readonly sleep?: (ms: number) => Promise<void>;
}

/** Default of `auditRetentionDays`. */
export const DEFAULT_AUDIT_RETENTION_DAYS = 90;

/** BatchWriteItem takes at most 25 puts. */
const BATCH_WRITE_SIZE = 25;
/** Attempts of one audit batch while DynamoDB hands back `UnprocessedItems`. */
const BATCH_WRITE_ATTEMPTS = 8;
const BACKOFF_BASE_MS = 50;
const BACKOFF_MAX_MS = 2_000;
/** Audit batches in flight at once. */
const AUDIT_CONCURRENCY = 4;
/** `createTable` waits at most this many status polls, one second apart. */
const TABLE_ACTIVE_POLLS = 120;

function backoffMs(attempt: number): number {
  return Math.min(BACKOFF_MAX_MS, BACKOFF_BASE_MS * 2 ** attempt);
}

/** `StatusStore` on DynamoDB, plus the table and history operations the CLI needs. */
export class DynamoStatusStore implements StatusStore {
  readonly tableName: string;
  readonly #client: DynamoDBClient;
  readonly #retentionDays: number;
  readonly #sleep: (ms: number) => Promise<void>;

  constructor(options: DynamoStatusStoreOptions) {
    const retention = options.auditRetentionDays ?? DEFAULT_AUDIT_RETENTION_DAYS;
    if (!(retention > 0)) {
      throw new StoreError(`auditRetentionDays must be a positive number, got ${retention}`);
    }
    this.tableName = options.tableName;
    this.#client = options.client;
    this.#retentionDays = retention;
    this.#sleep = options.sleep ?? ((ms) => delay(ms));
  }

  /**
   * Starts tracking a message, due at once (its first check), with its send
   * plan. Tracking an active id writes nothing and returns it with
   * created=false. Tracking an ended one (untracked, not found, expired,
   * completed) restarts it when the request came after the ending
   * (`options.requestedAt`, default `now`): a replayed old request changes nothing.
   *
   * @throws InvalidTrackRequestError for an unusable messageId or metadata.
   */
  async track(
    messageId: string,
    metadata: Metadata,
    now: Date,
    started?: (message: TrackedMessage) => MessageEvent,
    options: TrackOptions = {},
  ): Promise<TrackResult> {
    validateTrackRequest(messageId, metadata);
    const at = now.toISOString();
    const send = options.send ?? { sendAt: null, expectedSendAt: at, reason: 'now' as const };
    const message: TrackedMessage = {
      messageId,
      metadata: { ...metadata },
      trackedAt: at,
      nextPollAt: at,
      lastPolledAt: null,
      active: true,
      state: 'active',
      sendAt: send.sendAt,
      expectedSendAt: send.expectedSendAt,
      sendReason: send.reason,
      endedAt: null,
    };
    const announce = started ? [started(message)] : [];
    checkEvents(announce, `tracking ${messageId}`);
    try {
      await this.#client.send(
        new PutItemCommand({
          TableName: this.tableName,
          Item: messageItem(message, announce),
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
      return { created: true, restarted: false, message };
    } catch (error) {
      if (!isConditionalCheckFailed(error)) throw this.#translate(error, `tracking ${messageId}`);
    }
    const existing = await this.load(messageId);
    if (!existing) {
      throw new StoreError(`Message ${messageId} vanished while being tracked; track it again`);
    }
    const requestedAt = (options.requestedAt ?? now).getTime();
    const endedAt = existing.message.endedAt === null ? null : Date.parse(existing.message.endedAt);
    if (existing.message.active || (endedAt !== null && requestedAt <= endedAt)) {
      return { created: false, restarted: false, message: existing.message };
    }
    try {
      const meta = versionOf(existing).meta;
      await this.#client.send(
        new UpdateItemCommand(restartItemInput(this.tableName, message, meta, announce)),
      );
      return { created: true, restarted: true, message };
    } catch (error) {
      if (!isConditionalCheckFailed(error)) throw this.#translate(error, `tracking ${messageId}`);
    }
    // Someone else restarted it (or flushed its outbox) meanwhile: report what stands.
    const now2 = await this.#getMessage(messageId);
    if (!now2)
      throw new StoreError(`Message ${messageId} vanished while being tracked; track it again`);
    return { created: false, restarted: false, message: now2 };
  }

  /**
   * Stops polling a message (its state and audit trail stay); a message that
   * already ended is returned unchanged. Null when not tracked. It stays in the
   * due index until the next cycle has flushed its outbox (`retire`), so events
   * committed before the untrack are still published. `at` is recorded as
   * when tracking ended (a TrackMessage request older than it never restarts it).
   */
  async untrack(messageId: string, at?: Date): Promise<TrackedMessage | null> {
    try {
      const out = await this.#client.send(
        new UpdateItemCommand({
          TableName: this.tableName,
          Key: metaKey(messageId),
          UpdateExpression: `SET active = :false, #state = :untracked${at ? ', finishedAt = :at' : ''}`,
          ConditionExpression: 'attribute_exists(pk) AND active = :true',
          ExpressionAttributeNames: { '#state': 'state' },
          ExpressionAttributeValues: {
            ':false': { BOOL: false },
            ':true': { BOOL: true },
            ':untracked': { S: 'untracked' },
            ...(at ? { ':at': { S: at.toISOString() } } : {}),
          },
          ReturnValues: 'ALL_NEW',
        }),
      );
      return out.Attributes ? readMessage(out.Attributes) : null;
    } catch (error) {
      if (isConditionalCheckFailed(error)) return this.#getMessage(messageId);
      throw this.#translate(error, `untracking ${messageId}`);
    }
  }

  /**
   * Takes an ended message out of the due index once its outbox is empty; the
   * cycle calls it after the last flush. Only for inactive messages.
   *
   * Given the loaded message, it refuses while anything is left in its outbox,
   * and the write is conditional on META's outbox being the one seen empty: an
   * event added since (by a poller ending the message concurrently) keeps it
   * in the index for the next cycle to flush. Chunk outboxes cannot grow after
   * the end: commits require an active message. Given only an id, it retires
   * unconditionally (operators, tests).
   *
   * @returns whether the message left the index.
   */
  async retire(target: string | LoadedMessage): Promise<boolean> {
    const messageId = typeof target === 'string' ? target : target.message.messageId;
    if (typeof target !== 'string' && target.outbox.length > 0) return false;
    const outboxVersion = typeof target === 'string' ? null : versionOf(target).meta.version;
    try {
      await this.#client.send(
        new UpdateItemCommand({
          TableName: this.tableName,
          Key: metaKey(messageId),
          UpdateExpression: 'REMOVE #duePk, #dueAt',
          ConditionExpression:
            outboxVersion === null
              ? 'active = :false'
              : `active = :false AND ${OUTBOX_VERSION_MATCHES}`,
          ExpressionAttributeNames: this.#dueNames(),
          ExpressionAttributeValues: {
            ':false': { BOOL: false },
            ...(outboxVersion === null ? {} : { ':expected': { N: String(outboxVersion) } }),
          },
        }),
      );
      return true;
    } catch (error) {
      if (isConditionalCheckFailed(error)) return false;
      throw this.#translate(error, `retiring message ${messageId}`);
    }
  }

  /**
   * Active messages due at `now` (every active one with `force`), oldest due
   * first, read from the sparse `due` index: never a Scan.
   */
  async listDue(
    now: Date,
    options: { force?: boolean; limit?: number } = {},
  ): Promise<TrackedMessage[]> {
    const limit = options.limit ?? Number.POSITIVE_INFINITY;
    if (!(limit > 0) || (Number.isFinite(limit) && !Number.isInteger(limit))) {
      throw new StoreError(`listDue limit must be a positive integer, got ${options.limit}`);
    }
    const query: QueryCommandInput = {
      TableName: this.tableName,
      IndexName: DUE_INDEX.name,
      ...(options.force
        ? {
            KeyConditionExpression: '#duePk = :due',
            ExpressionAttributeNames: { '#duePk': DUE_INDEX.partitionKey.name },
            ExpressionAttributeValues: { ':due': { S: DUE_PARTITION } },
          }
        : {
            KeyConditionExpression: '#duePk = :due AND #dueAt <= :now',
            ExpressionAttributeNames: this.#dueNames(),
            ExpressionAttributeValues: {
              ':due': { S: DUE_PARTITION },
              ':now': { S: now.toISOString() },
            },
          }),
    };
    const due: TrackedMessage[] = [];
    let startKey: Item | undefined;
    do {
      const page = await this.#query(
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

  /**
   * The message, its recipients and its outbox in one strongly consistent
   * Query (`sk >= 'META'` skips the audit records, which sort before META).
   * More than one request only past 1 MB of items (10,000 recipients or more,
   * depending on how well their state compresses).
   */
  async load(messageId: string): Promise<LoadedMessage | null> {
    const items = await this.#queryAll(
      {
        TableName: this.tableName,
        KeyConditionExpression: 'pk = :pk AND sk >= :meta',
        ExpressionAttributeValues: { ':pk': { S: messagePk(messageId) }, ':meta': { S: META_SK } },
        ConsistentRead: true,
      },
      `loading message ${messageId}`,
    );
    let meta: Item | undefined;
    const chunkItems: { index: number; item: Item }[] = [];
    for (const item of items) {
      const sk = item.sk?.S ?? '';
      const index = parseChunkSk(sk);
      if (sk === META_SK) meta = item;
      else if (index !== null) chunkItems.push({ index, item });
    }
    if (!meta) {
      if (chunkItems.length > 0) {
        throw new CorruptItemError(
          `Message ${messageId} is corrupt: it has state chunks but no META item`,
        );
      }
      return null;
    }
    chunkItems.sort((a, b) => a.index - b.index);
    chunkItems.forEach(({ index }, position) => {
      if (index !== position) {
        throw new CorruptItemError(
          `Message ${messageId} is corrupt: state chunk ${position} is missing`,
        );
      }
    });
    const chunks = await Promise.all(
      chunkItems.map(async ({ index, item }): Promise<ChunkSnapshot> => {
        const where = `${chunkSk(index)} of message ${messageId}`;
        const data = await decodeChunk(readBinary(item, 'data', where), where);
        return {
          index,
          version: readNumber(item, 'version', where),
          observedAt: readString(item, 'observedAt', where),
          recipients: data.recipients,
          outbox: data.outbox,
        };
      }),
    );
    const metaWhere = `${messagePk(messageId)}/${META_SK}`;
    return toLoaded(
      readMessage(meta),
      readNumber(meta, 'chunkCount', metaWhere),
      chunks,
      readMetaOutbox(
        meta,
        chunks.flatMap((c) => c.recipients),
      ),
    );
  }

  /**
   * Writes the changed recipients and their events, chunk by chunk, each chunk
   * in ONE conditional PutItem: its new states and the events describing them
   * join its outbox together, or neither does.
   *
   * Atomicity is per chunk. A commit touching one chunk (any message of up to
   * 500 recipients) is all or nothing. A commit touching several writes them
   * in ascending order: two pollers racing from the same version collide on
   * their first common chunk, so the loser usually wrote nothing; if it had
   * already written earlier chunks, those stay, each self-consistent (no state
   * without its events), and `ConcurrentUpdateError.committedChunks` lists
   * them. The next sync reloads and finds those recipients already up to date.
   *
   * New recipients go to the last chunk with room, then to new chunks, in the
   * order of `changed`: a recipient never moves once placed.
   *
   * @throws ConcurrentUpdateError when a chunk moved on since `loaded`.
   * @throws ItemTooLargeError before writing anything if a chunk would not fit an item.
   */
  async commit(loaded: LoadedMessage, input: CommitInput): Promise<LoadedMessage> {
    const version = versionOf(loaded);
    const messageId = loaded.message.messageId;
    if (input.changed.size === 0 && input.events.length === 0) return loaded;
    checkEvents(input.events, `committing message ${messageId}`);

    // Planned and encoded first, so an oversized chunk fails the commit before any write.
    const { writes, encoded } = await planFittingCommit(messageId, version, input);
    const chunkCount = Math.max(version.chunkCount, ...writes.map((w) => w.index + 1));
    const meta = await this.#claimState(messageId, version.meta, chunkCount);
    const written = await this.#writeChunks(messageId, writes, encoded, 'committing');
    const chunks = mergeChunks(version, written);
    return toLoaded(loaded.message, chunkCount, chunks, meta);
  }

  /**
   * Removes published events from the outboxes that hold them (one conditional
   * PutItem per such chunk).
   *
   * A refused condition is not an error. Timeline:
   *
   *   A: load v1 (outbox E) ── publish E ─────────────── markPublished(v1) ✗
   *   B:            load v1 ── commit v2 (outbox E, F) ── publish E, F ── mark
   *
   * The chunk moved on, and whoever moved it carries E in its own outbox (or
   * already removed it): E is published again with the same eventId or not,
   * never lost. The message is then reloaded and returned as it now stands.
   */
  async markPublished(loaded: LoadedMessage, eventIds: readonly string[]): Promise<LoadedMessage> {
    const version = versionOf(loaded);
    const messageId = loaded.message.messageId;
    const writes = planMarkPublished(version, eventIds);
    const ids = new Set(eventIds);
    const metaLeft = version.meta.events.filter((e) => !ids.has(e.detail.eventId));
    const metaChanged = metaLeft.length !== version.meta.events.length;
    if (writes.length === 0 && !metaChanged) return loaded;

    let stale = false;
    let meta = version.meta;
    if (metaChanged) {
      const next = { ...version.meta, events: metaLeft, version: version.meta.version + 1 };
      if (await this.#putMetaOutbox(messageId, version.meta.version, next)) meta = next;
      else stale = true;
    }
    const encoded = await this.#encode(messageId, writes);
    const written: ChunkSnapshot[] = [];
    for (const [i, write] of writes.entries()) {
      try {
        written.push(await this.#putChunk(messageId, write, encoded[i] as Uint8Array));
      } catch (error) {
        if (!isConditionalCheckFailed(error)) {
          throw this.#translate(error, `removing published events of message ${messageId}`);
        }
        stale = true;
      }
    }
    const local = toLoaded(loaded.message, version.chunkCount, mergeChunks(version, written), meta);
    return stale ? ((await this.load(messageId)) ?? local) : local;
  }

  /**
   * Ends tracking: the state, the message-level events announcing it (into
   * META's outbox) and the removal from the due index, in one conditional
   * UpdateItem. The condition (still active, outbox unchanged since `loaded`)
   * means two pollers finishing the same message announce it once.
   */
  async finish(
    loaded: LoadedMessage,
    state: Exclude<TrackingState, 'active'>,
    events: readonly MessageEvent[],
    at: Date,
  ): Promise<LoadedMessage | null> {
    const version = versionOf(loaded);
    const messageId = loaded.message.messageId;
    checkEvents(events, `finishing the tracking of message ${messageId}`);
    const meta = {
      ...version.meta,
      events: [...version.meta.events, ...events],
      version: version.meta.version + 1,
    };
    try {
      await this.#client.send(
        new UpdateItemCommand({
          TableName: this.tableName,
          Key: metaKey(messageId),
          UpdateExpression:
            'SET active = :false, #state = :state, finishedAt = :at, outbox = :outbox, outboxVersion = :next, #dueAt = :at',
          ConditionExpression: `active = :true AND stateVersion = :sv AND ${OUTBOX_VERSION_MATCHES}`,
          ExpressionAttributeNames: { '#dueAt': DUE_INDEX.sortKey.name, '#state': 'state' },
          ExpressionAttributeValues: {
            ':false': { BOOL: false },
            ':true': { BOOL: true },
            ':state': { S: state },
            ':at': { S: at.toISOString() },
            ':outbox': { S: JSON.stringify(meta.events) },
            ':next': { N: String(meta.version) },
            ':expected': { N: String(version.meta.version) },
            ':sv': { N: String(version.meta.stateVersion) },
          },
        }),
      );
    } catch (error) {
      if (isConditionalCheckFailed(error)) return null;
      throw this.#translate(error, `finishing the tracking of message ${messageId}`);
    }
    const message = { ...loaded.message, active: false, state, endedAt: at.toISOString() };
    return toLoaded(message, version.chunkCount, version.chunks, meta);
  }

  /** Rewrites META's outbox if it is still at `expected`; false when it moved on. */
  async #putMetaOutbox(messageId: string, expected: number, next: MetaOutbox): Promise<boolean> {
    try {
      await this.#client.send(
        new UpdateItemCommand({
          TableName: this.tableName,
          Key: metaKey(messageId),
          UpdateExpression: 'SET outbox = :outbox, outboxVersion = :next',
          ConditionExpression: OUTBOX_VERSION_MATCHES,
          ExpressionAttributeValues: {
            ':outbox': { S: JSON.stringify(next.events) },
            ':next': { N: String(next.version) },
            ':expected': { N: String(expected) },
          },
        }),
      );
      return true;
    } catch (error) {
      if (isConditionalCheckFailed(error)) return false;
      throw this.#translate(error, `removing published events of message ${messageId}`);
    }
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
    const limit = pLimit(AUDIT_CONCURRENCY);
    const batches: Promise<void>[] = [];
    for (let i = 0; i < requests.length; i += BATCH_WRITE_SIZE) {
      const batch = requests.slice(i, i + BATCH_WRITE_SIZE);
      batches.push(limit(() => this.#batchWrite(messageId, batch)));
    }
    await Promise.all(batches);
  }

  /** Audit records of a message (optionally of one address), by email, token, then sequence. */
  async history(messageId: string, options: { email?: string } = {}): Promise<AuditRecord[]> {
    const items = await this.#queryAll(
      {
        TableName: this.tableName,
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
      const recipients = [...((await this.load(messageId))?.recipients.values() ?? [])];
      records = items.map((item) => readAuditItem(item, recipients));
    }
    return records.sort(
      (a, b) => compare(a.email, b.email) || compare(a.token, b.token) || a.sequence - b.sequence,
    );
  }

  /**
   * Records a poll. Moves the message in the due index only while it is
   * active; a message no longer stored is ignored (untracked mid-poll).
   */
  async recordPoll(
    messageId: string,
    polledAt: Date,
    nextPollAt: Date,
    options: PollRecord = {},
  ): Promise<void> {
    const early = options.leftEarlyAt;
    const failure = options.failure;
    const values = {
      ':polled': { S: polledAt.toISOString() },
      ':next': { S: nextPollAt.toISOString() },
      ...(early ? { ':sentAt': { S: early.toISOString() }, ':now': { S: 'now' } } : {}),
      ...(failure
        ? {
            ':fKind': { S: failure.kind },
            ':fCount': { N: String(failure.count) },
            ':fSince': { S: failure.since },
          }
        : {}),
    };
    const sent =
      (early ? ', expectedSendAt = :sentAt, sendReason = :now' : '') +
      (failure ? ', failureKind = :fKind, failureCount = :fCount, failingSince = :fSince' : '') +
      (options.clearFailure && !failure ? ' REMOVE failureKind, failureCount, failingSince' : '');
    const doing = `recording a poll of message ${messageId}`;
    try {
      await this.#client.send(
        new UpdateItemCommand({
          TableName: this.tableName,
          Key: metaKey(messageId),
          UpdateExpression: `SET lastPolledAt = :polled, nextPollAt = :next, #dueAt = :next${sent}`,
          ConditionExpression: 'attribute_exists(#duePk)',
          ExpressionAttributeNames: this.#dueNames(),
          ExpressionAttributeValues: values,
        }),
      );
      return;
    } catch (error) {
      if (!isConditionalCheckFailed(error)) throw this.#translate(error, doing);
    }
    // Not active (or not stored): record the poll without re-entering the due index.
    try {
      await this.#client.send(
        new UpdateItemCommand({
          TableName: this.tableName,
          Key: metaKey(messageId),
          UpdateExpression: `SET lastPolledAt = :polled, nextPollAt = :next${sent}`,
          ConditionExpression: 'attribute_exists(pk)',
          ExpressionAttributeValues: values,
        }),
      );
    } catch (error) {
      if (!isConditionalCheckFailed(error)) throw this.#translate(error, doing);
    }
  }

  /**
   * Creates the table (local use: the stack creates it in AWS) and waits until
   * it and its index are ACTIVE. An existing table is fine.
   *
   * @returns whether this call created it.
   */
  async createTable(): Promise<{ created: boolean }> {
    let created = true;
    try {
      await this.#client.send(new CreateTableCommand(createTableInput(this.tableName)));
    } catch (error) {
      if (!(error instanceof Error && error.name === 'ResourceInUseException')) {
        throw this.#translate(error, 'creating the table');
      }
      created = false;
    }
    for (let poll = 0; poll < TABLE_ACTIVE_POLLS; poll++) {
      const { Table } = await this.#send('waiting for the table to become ACTIVE', () =>
        this.#client.send(new DescribeTableCommand({ TableName: this.tableName })),
      );
      const indexesActive = (Table?.GlobalSecondaryIndexes ?? []).every(
        (index) => index.IndexStatus === 'ACTIVE',
      );
      if (Table?.TableStatus === 'ACTIVE' && indexesActive) return { created };
      await this.#sleep(1_000);
    }
    throw new StoreError(
      `DynamoDB table ${this.tableName} did not become ACTIVE within ${TABLE_ACTIVE_POLLS} seconds`,
    );
  }

  /** Whether the table exists (in any status). */
  async tableExists(): Promise<boolean> {
    try {
      await this.#client.send(new DescribeTableCommand({ TableName: this.tableName }));
      return true;
    } catch (error) {
      if (error instanceof Error && error.name === 'ResourceNotFoundException') return false;
      throw this.#translate(error, 'describing the table');
    }
  }

  /** Encodes every chunk first, so an oversized one fails the commit before any write. */
  #encode(messageId: string, writes: readonly ChunkWrite[]): Promise<Uint8Array[]> {
    return Promise.all(
      writes.map((w) => encodeChunk(w, `${chunkSk(w.index)} of message ${messageId}`)),
    );
  }

  async #writeChunks(
    messageId: string,
    writes: readonly ChunkWrite[],
    encoded: readonly Uint8Array[],
    doing: string,
  ): Promise<ChunkSnapshot[]> {
    const written: ChunkSnapshot[] = [];
    for (const [i, write] of writes.entries()) {
      try {
        written.push(await this.#putChunk(messageId, write, encoded[i] as Uint8Array));
      } catch (error) {
        const committed = written.map((c) => c.index);
        if (isConditionalCheckFailed(error)) {
          throw new ConcurrentUpdateError(messageId, write.index, committed, { cause: error });
        }
        const after = committed.length > 0 ? ` (chunks ${committed.join(', ')} were written)` : '';
        throw this.#translate(
          error,
          `${doing} chunk ${write.index} of message ${messageId}${after}`,
        );
      }
    }
    return written;
  }

  /** One conditional PutItem: the chunk must still be at `expected` (or not exist yet). */
  async #putChunk(messageId: string, write: ChunkWrite, data: Uint8Array): Promise<ChunkSnapshot> {
    const version = (write.expected ?? 0) + 1;
    await this.#client.send(
      new PutItemCommand({
        TableName: this.tableName,
        Item: {
          pk: { S: messagePk(messageId) },
          sk: { S: chunkSk(write.index) },
          version: { N: String(version) },
          data: { B: data },
          observedAt: { S: write.observedAt },
          // Plain counts for whoever looks at the table; the data blob is authoritative.
          recipientCount: { N: String(write.recipients.length) },
          outboxCount: { N: String(write.outbox.length) },
        },
        ...(write.expected === null
          ? { ConditionExpression: 'attribute_not_exists(pk)' }
          : {
              ConditionExpression: '#version = :expected',
              ExpressionAttributeNames: { '#version': 'version' },
              ExpressionAttributeValues: { ':expected': { N: String(write.expected) } },
            }),
      }),
    );
    return {
      index: write.index,
      version,
      observedAt: write.observedAt,
      recipients: write.recipients,
      outbox: write.outbox,
    };
  }

  /**
   * The first write of every commit: moves META's `stateVersion` on, and its
   * `chunkCount` (informational: load reads the chunks themselves) with it.
   * Conditional on the version loaded and on the message still being active,
   * so of two pollers the second fails here before writing any chunk, and a
   * message that ended (or was untracked) takes no more state. Timeline:
   *
   *   A: load v1 ─────────────── claim v1→v2 ✓ ── write chunks ── finish(v2)
   *   B:   load v1 ── claim v1→v2 ✗ (ConcurrentUpdateError, nothing written)
   *   C:   load v1 (stale) ─────────────────────────────── finish(v1) ✗
   */
  async #claimState(messageId: string, meta: MetaOutbox, chunkCount: number): Promise<MetaOutbox> {
    try {
      await this.#client.send(
        new UpdateItemCommand({
          TableName: this.tableName,
          Key: metaKey(messageId),
          UpdateExpression: 'SET stateVersion = :next, chunkCount = :n',
          ConditionExpression: 'stateVersion = :expected AND active = :true',
          ExpressionAttributeValues: {
            ':next': { N: String(meta.stateVersion + 1) },
            ':expected': { N: String(meta.stateVersion) },
            ':true': { BOOL: true },
            ':n': { N: String(chunkCount) },
          },
        }),
      );
    } catch (error) {
      if (isConditionalCheckFailed(error)) {
        throw new ConcurrentUpdateError(messageId, 'META', [], { cause: error });
      }
      throw this.#translate(error, `committing message ${messageId}`);
    }
    return { ...meta, stateVersion: meta.stateVersion + 1 };
  }

  async #batchWrite(messageId: string, batch: WriteRequest[]): Promise<void> {
    let pending = batch;
    for (let attempt = 0; attempt < BATCH_WRITE_ATTEMPTS; attempt++) {
      if (attempt > 0) await this.#sleep(backoffMs(attempt - 1));
      const out = await this.#send(`writing audit records of message ${messageId}`, () =>
        this.#client.send(
          new BatchWriteItemCommand({ RequestItems: { [this.tableName]: pending } }),
        ),
      );
      const unprocessed = out.UnprocessedItems?.[this.tableName] ?? [];
      if (unprocessed.length === 0) return;
      pending = unprocessed;
    }
    throw new StoreThrottledError(
      `DynamoDB left ${pending.length} audit record(s) of message ${messageId} unprocessed after ${BATCH_WRITE_ATTEMPTS} attempts on table ${this.tableName}; retry later or raise the table's capacity`,
    );
  }

  async #getMessage(messageId: string): Promise<TrackedMessage | null> {
    const out = await this.#send(`reading message ${messageId}`, () =>
      this.#client.send(
        new GetItemCommand({
          TableName: this.tableName,
          Key: metaKey(messageId),
          ConsistentRead: true,
        }),
      ),
    );
    return out.Item ? readMessage(out.Item) : null;
  }

  #query(input: QueryCommandInput, doing: string) {
    return this.#send(doing, () => this.#client.send(new QueryCommand(input)));
  }

  /** Runs one SDK call, translating its errors. */
  async #send<T>(doing: string, call: () => Promise<T>): Promise<T> {
    try {
      return await call();
    } catch (error) {
      throw this.#translate(error, doing);
    }
  }

  async #queryAll(input: QueryCommandInput, doing: string): Promise<Item[]> {
    const items: Item[] = [];
    let startKey: Item | undefined;
    do {
      const page = await this.#query({ ...input, ExclusiveStartKey: startKey }, doing);
      items.push(...(page.Items ?? []));
      startKey = page.LastEvaluatedKey;
    } while (startKey);
    return items;
  }

  #dueNames(): Record<string, string> {
    return { '#duePk': DUE_INDEX.partitionKey.name, '#dueAt': DUE_INDEX.sortKey.name };
  }

  #translate(error: unknown, doing: string): unknown {
    return translateError(error, this.tableName, doing);
  }
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
