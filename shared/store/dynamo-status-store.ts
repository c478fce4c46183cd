/**
 * The DynamoDB `StatusStore`: one table (see `table.ts`), one partition per
 * message holding its META item, its recipient state chunks (each with its own
 * outbox) and its audit records.
 *
 * Request costs, for a message of up to 500 recipients: `load` 1 Query;
 * `commit` 1 PutItem (+1 UpdateItem the first time a chunk is created);
 * `markPublished` 1 PutItem; `writeAudit` 1 BatchWriteItem per 25 events.
 */
import {
  type DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  UpdateItemCommand,
  type UpdateItemCommandInput,
} from '@aws-sdk/client-dynamodb';
import type { CatalogEvent, MessageEvent } from '../catalog/events.ts';
import type { LoadedMessage, TrackedMessage, TrackingState } from '../domain/tracked-message.ts';
import type { Metadata } from '../model.ts';
import type { CommitInput, PollRecord, StatusStore, TrackOptions, TrackResult } from '../ports.ts';
import type { PublicationSource } from '../privacy/checked-publication.ts';
import {
  claimState,
  encodeWrites,
  putChunk,
  putMetaOutbox,
  type TableRef,
  writeChunks,
} from './chunk-io.ts';
import { planMarkPublished } from './chunk-writes.ts';
import { conditionalWrite, writeIfHolds } from './conditional-write.ts';
import { DynamoAuditLog } from './dynamo-audit-log.ts';
import { isConditionalCheckFailed, StoreError, translateError } from './errors.ts';
import { checkEvents } from './event-check.ts';
import { planFittingCommit } from './fit-chunks.ts';
import { listDueMessages } from './list-due.ts';
import { listAllMessages } from './list-messages.ts';
import { messageItem, metaKey, readMessage } from './message-item.ts';
import { loadMessage } from './message-load.ts';
import { type ChunkSnapshot, toLoaded, versionOf, withWritten } from './message-version.ts';
import { finishInput, pollInputs, retireInput, untrackInput } from './meta-updates.ts';
import { restartItemInput } from './restart-item.ts';
import { DynamoTableAdmin } from './table-admin.ts';
import { validateTrackRequest } from './track-request.ts';

export interface DynamoStatusStoreOptions {
  /** Injected so callers choose region, endpoint and middleware (request counters, tracing). */
  readonly client: DynamoDBClient;
  readonly tableName: string;
  /** How long audit records are kept before TTL may expire them. Default 90. */
  readonly auditRetentionDays?: number;
  /** Waits between retries of unprocessed batch items and table status polls. */
  readonly sleep?: (ms: number) => Promise<void>;
  /** The deployment's publication: the audit trail records events in its form (default plain, unchecked). */
  readonly publication?: PublicationSource;
}

/**
 * `StatusStore` on DynamoDB. Its audit trail is an `AuditLog` of its own
 * (`audit`, which `writeAudit` hands the events to), and table administration
 * is `admin` (table-admin.ts): the same client and table, one concept each.
 */
export class DynamoStatusStore implements StatusStore {
  readonly tableName: string;
  /** The audit trail of the same table (writeAudit, history). */
  readonly audit: DynamoAuditLog;
  /** Creates and describes the table (local use, `status-sync init`). */
  readonly admin: DynamoTableAdmin;
  readonly #client: DynamoDBClient;
  readonly #table: TableRef;

  constructor(options: DynamoStatusStoreOptions) {
    this.tableName = options.tableName;
    this.#client = options.client;
    this.#table = { client: options.client, tableName: options.tableName };
    this.audit = new DynamoAuditLog({
      ...options,
      recipientsOf: async (messageId) => [
        ...((await this.load(messageId))?.recipients.values() ?? []),
      ],
    });
    this.admin = new DynamoTableAdmin(options);
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
    const out = await writeIfHolds(
      () => this.#client.send(new UpdateItemCommand(untrackInput(this.tableName, messageId, at))),
      this.tableName,
      `untracking ${messageId}`,
    );
    if (out === null) return this.#getMessage(messageId);
    return out.Attributes ? readMessage(out.Attributes) : null;
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
  retire(target: string | LoadedMessage): Promise<boolean> {
    const messageId = typeof target === 'string' ? target : target.message.messageId;
    if (typeof target !== 'string' && target.outbox.length > 0) return Promise.resolve(false);
    const outboxVersion = typeof target === 'string' ? null : versionOf(target).meta.version;
    const input = retireInput(this.tableName, messageId, outboxVersion);
    return conditionalWrite(
      () => this.#client.send(new UpdateItemCommand(input)),
      this.tableName,
      `retiring message ${messageId}`,
    );
  }

  /**
   * Active messages due at `now` (every active one with `force`), oldest due
   * first, read from the sparse `due` index: never a Scan.
   */
  listDue(now: Date, options: { force?: boolean; limit?: number } = {}): Promise<TrackedMessage[]> {
    return listDueMessages(this.#table, now, options);
  }

  /** Every tracked message, active or ended (a Scan, for operators: see list-messages.ts). */
  listAll(): Promise<TrackedMessage[]> {
    return listAllMessages(this.#client, this.tableName);
  }

  /** The message, its recipients and its outbox in one strongly consistent Query (message-load.ts). */
  load(messageId: string): Promise<LoadedMessage | null> {
    return loadMessage(this.#table, messageId);
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
    const meta = await claimState(this.#table, messageId, version.meta, chunkCount);
    const written = await writeChunks(this.#table, messageId, writes, encoded, 'committing');
    return withWritten(loaded, version, chunkCount, written, meta, true);
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
      if (await putMetaOutbox(this.#table, messageId, version.meta.version, next)) meta = next;
      else stale = true;
    }
    const encoded = await encodeWrites(messageId, writes);
    const written: ChunkSnapshot[] = [];
    for (const [i, write] of writes.entries()) {
      try {
        written.push(await putChunk(this.#table, messageId, write, encoded[i] as Uint8Array));
      } catch (error) {
        if (!isConditionalCheckFailed(error)) {
          throw this.#translate(error, `removing published events of message ${messageId}`);
        }
        stale = true;
      }
    }
    const local = withWritten(loaded, version, version.chunkCount, written, meta, false);
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
    const input = finishInput(this.tableName, messageId, version.meta, meta, state, at);
    const finished = await conditionalWrite(
      () => this.#client.send(new UpdateItemCommand(input)),
      this.tableName,
      `finishing the tracking of message ${messageId}`,
    );
    if (!finished) return null;
    const message = { ...loaded.message, active: false, state, endedAt: at.toISOString() };
    return toLoaded(message, version.chunkCount, version.chunks, meta);
  }

  /** Hands the events to the audit log (see dynamo-audit-log.ts): 1 BatchWriteItem per 25. */
  writeAudit(messageId: string, events: readonly CatalogEvent[]): Promise<void> {
    return this.audit.writeAudit(messageId, events);
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
    const { indexed, unindexed } = pollInputs(
      this.tableName,
      messageId,
      polledAt,
      nextPollAt,
      options,
    );
    const doing = `recording a poll of message ${messageId}`;
    const send = (input: UpdateItemCommandInput) => () =>
      this.#client.send(new UpdateItemCommand(input));
    if (await conditionalWrite(send(indexed), this.tableName, doing)) return;
    // Not active (or not stored): record the poll without re-entering the due index.
    await conditionalWrite(send(unindexed), this.tableName, doing);
  }

  async #getMessage(messageId: string): Promise<TrackedMessage | null> {
    try {
      const out = await this.#client.send(
        new GetItemCommand({
          TableName: this.tableName,
          Key: metaKey(messageId),
          ConsistentRead: true,
        }),
      );
      return out.Item ? readMessage(out.Item) : null;
    } catch (error) {
      throw this.#translate(error, `reading message ${messageId}`);
    }
  }

  #translate(error: unknown, doing: string): unknown {
    return translateError(error, this.tableName, doing);
  }
}
