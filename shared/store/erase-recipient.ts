/**
 * Erasure on DynamoDB: takes one person out of every item of the table that
 * holds them, in two passes.
 *
 * 1. One paginated Scan finds the messages that hold the person and the
 *    spellings the provider used: recipient state and outboxes live gzipped
 *    in state chunks, which no index can see into, and state outlives the
 *    audit trail's retention, so the recipient index alone could miss some.
 * 2. Per message: its state chunks and META outbox are rewritten without the
 *    person, each write conditional on the version just loaded (a poll that
 *    commits meanwhile makes the erasure reload and try again, and a poll that
 *    loaded before it fails its own conditional write); then its audit records
 *    are swept: the person's own are deleted (their recipient-index entries
 *    go with them), message-level ones that list the person are rewritten
 *    without the entry, in the form they were published.
 *
 * Request costs: the Scan reads the whole table (1 request per 1 MB); per
 * message that holds the person, 1 Query to load it, 1 PutItem per chunk and
 * 1 UpdateItem for META when they change, 1 Query of its audit records and
 * 1 BatchWriteItem per 25 records deleted or rewritten.
 */
import { ScanCommand, type ScanCommandOutput, type WriteRequest } from '@aws-sdk/client-dynamodb';
import type { ErasureCounts, PersonMatch, RecipientEraser } from '../ports.ts';
import { type EmailMatch, stripEntries, stripState } from '../privacy/strip.ts';
import type { Item } from './attributes.ts';
import { batchWriteAll } from './batch-write.ts';
import { putChunk, putMetaOutbox, type TableRef } from './chunk-io.ts';
import { isConditionalCheckFailed, StoreError, translateError } from './errors.ts';
import { AUDIT_PREFIX, META_SK, messagePk, parseChunkSk } from './keys.ts';
import { loadMessage } from './message-load.ts';
import { versionOf } from './message-version.ts';
import { queryAll } from './query-all.ts';
import { decodeChunk, encodeChunk } from './state-chunk.ts';

/** Loads of one message before the erasure gives up on a message that keeps changing. */
const ATTEMPTS = 5;

const MESSAGE_PREFIX = 'MSG#';

interface Found {
  readonly messages: Set<string>;
  /** Every spelling of the person's address seen in the table. */
  readonly spellings: Set<string>;
}

/** `RecipientEraser` over the one table. */
export class DynamoRecipientEraser implements RecipientEraser {
  readonly #table: TableRef;
  readonly #sleep: (ms: number) => Promise<void>;

  constructor(table: TableRef, options: { sleep?: (ms: number) => Promise<void> } = {}) {
    this.#table = table;
    this.#sleep = options.sleep ?? (async () => {});
  }

  async erase(person: PersonMatch): Promise<ErasureCounts> {
    const found = await this.#find(person);
    const published = new Set([...found.spellings].map((s) => person.publishedEmail(s)));
    const matches: EmailMatch = (email) => person.isPerson(email) || published.has(email);
    let counts: ErasureCounts = {
      messages: found.messages.size,
      recipientStates: 0,
      outboxEvents: 0,
      auditRecordsDeleted: 0,
      auditRecordsRewritten: 0,
    };
    for (const messageId of found.messages) {
      const state = await this.#eraseState(messageId, matches);
      const audit = await this.#eraseAudit(messageId, person, matches);
      counts = {
        ...counts,
        recipientStates: counts.recipientStates + state.recipientStates,
        outboxEvents: counts.outboxEvents + state.outboxEvents,
        auditRecordsDeleted: counts.auditRecordsDeleted + audit.deleted,
        auditRecordsRewritten: counts.auditRecordsRewritten + audit.rewritten,
      };
    }
    return counts;
  }

  /** Pass 1: every message holding the person, and the spellings used. */
  async #find(person: PersonMatch): Promise<Found> {
    const found: Found = { messages: new Set(), spellings: new Set() };
    const note = (messageId: string, email: string) => {
      if (!person.isPerson(email)) return false;
      found.messages.add(messageId);
      found.spellings.add(email);
      return true;
    };
    let startKey: Item | undefined;
    do {
      const page = await this.#scanPage(startKey);
      for (const item of page.Items ?? []) {
        const pk = item.pk?.S ?? '';
        const sk = item.sk?.S ?? '';
        if (!pk.startsWith(MESSAGE_PREFIX)) continue;
        const messageId = pk.slice(MESSAGE_PREFIX.length);
        if (sk.startsWith(AUDIT_PREFIX)) {
          note(messageId, item.email?.S ?? '');
          // A message-level record listing the person (plain form), left by an erasure cut short.
          const detail = item.detail?.S;
          if (detail && stripEntries(JSON.parse(detail) as unknown, person.isPerson).removed > 0) {
            found.messages.add(messageId);
          }
        } else if (parseChunkSk(sk) !== null && item.data?.B) {
          const where = `${sk} of message ${messageId}`;
          const data = await decodeChunk(item.data.B, where);
          for (const r of data.recipients) note(messageId, r.email);
          for (const e of data.outbox) {
            const email = (e.detail as { email?: unknown }).email;
            if (typeof email === 'string') note(messageId, email);
            if (stripEntries(e.detail, person.isPerson).removed > 0) found.messages.add(messageId);
          }
        } else if (sk === META_SK && item.outbox?.S) {
          if (stripEntries(JSON.parse(item.outbox.S) as unknown, person.isPerson).removed > 0) {
            found.messages.add(messageId);
          }
        }
      }
      startKey = page.LastEvaluatedKey;
    } while (startKey);
    return found;
  }

  async #scanPage(startKey: Item | undefined): Promise<ScanCommandOutput> {
    try {
      return await this.#table.client.send(
        new ScanCommand({
          TableName: this.#table.tableName,
          ProjectionExpression: 'pk, sk, email, #data, outbox, detail',
          ExpressionAttributeNames: { '#data': 'data' },
          ExclusiveStartKey: startKey,
        }),
      );
    } catch (error) {
      throw translateError(error, this.#table.tableName, 'looking for a recipient to erase');
    }
  }

  /** Pass 2a: state chunks and META's outbox, conditional on what was loaded. */
  async #eraseState(
    messageId: string,
    matches: EmailMatch,
  ): Promise<{ recipientStates: number; outboxEvents: number }> {
    let recipientStates = 0;
    let outboxEvents = 0;
    for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
      const loaded = await loadMessage(this.#table, messageId);
      if (!loaded) return { recipientStates, outboxEvents };
      const version = versionOf(loaded);
      let stale = false;
      for (const chunk of version.chunks) {
        const out = stripState(chunk, matches);
        if (out.removedStates === 0 && out.changedEvents === 0) continue;
        const write = {
          index: chunk.index,
          expected: chunk.version,
          observedAt: chunk.observedAt,
          recipients: out.recipients,
          outbox: out.outbox,
        };
        const where = `chunk ${chunk.index} of message ${messageId}`;
        try {
          await putChunk(this.#table, messageId, write, await encodeChunk(write, where));
        } catch (error) {
          if (!isConditionalCheckFailed(error)) {
            throw translateError(error, this.#table.tableName, `erasing a recipient from ${where}`);
          }
          stale = true;
          break;
        }
        recipientStates += out.removedStates;
        outboxEvents += out.changedEvents;
      }
      if (!stale) {
        const meta = stripState({ recipients: [], outbox: version.meta.events }, matches);
        if (meta.changedEvents === 0) return { recipientStates, outboxEvents };
        const next = { ...version.meta, events: meta.outbox, version: version.meta.version + 1 };
        if (await putMetaOutbox(this.#table, messageId, version.meta.version, next)) {
          return { recipientStates, outboxEvents: outboxEvents + meta.changedEvents };
        }
      }
      await this.#sleep(50 * 2 ** attempt);
    }
    throw new StoreError(
      `Message ${messageId} kept changing while a recipient was being erased from it: run forget again`,
    );
  }

  /** Pass 2b: the message's audit records. */
  async #eraseAudit(
    messageId: string,
    person: PersonMatch,
    matches: EmailMatch,
  ): Promise<{ deleted: number; rewritten: number }> {
    const items = await queryAll(
      this.#table.client,
      {
        TableName: this.#table.tableName,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :audit)',
        ExpressionAttributeValues: {
          ':pk': { S: messagePk(messageId) },
          ':audit': { S: AUDIT_PREFIX },
        },
      },
      `erasing a recipient from the audit trail of message ${messageId}`,
    );
    const requests: WriteRequest[] = [];
    let deleted = 0;
    let rewritten = 0;
    for (const item of items) {
      if (person.isPerson(item.email?.S ?? '')) {
        const key = { pk: { S: item.pk?.S ?? '' }, sk: { S: item.sk?.S ?? '' } };
        requests.push({ DeleteRequest: { Key: key } });
        deleted++;
        continue;
      }
      const detail = item.detail?.S;
      if (detail === undefined) continue;
      const out = stripEntries(JSON.parse(detail) as unknown, matches);
      if (out.removed === 0) continue;
      requests.push({
        PutRequest: { Item: { ...item, detail: { S: JSON.stringify(out.value) } } },
      });
      rewritten++;
    }
    await batchWriteAll(
      {
        client: this.#table.client,
        tableName: this.#table.tableName,
        sleep: this.#sleep,
        what: `audit record(s) of message ${messageId} to erase`,
        doing: `erasing a recipient from the audit trail of message ${messageId}`,
      },
      requests,
    );
    return { deleted, rewritten };
  }
}
