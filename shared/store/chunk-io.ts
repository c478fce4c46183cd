/**
 * The conditional writes of a commit and of `markPublished`: META's claim on
 * the state version, META's outbox rewrite, and one PutItem per state chunk.
 * Every one is conditional on the version the caller loaded.
 */
import { type DynamoDBClient, PutItemCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import type { ChunkWrite } from './chunk-writes.ts';
import { conditionalWrite } from './conditional-write.ts';
import { ConcurrentUpdateError, isConditionalCheckFailed, translateError } from './errors.ts';
import { chunkSk, messagePk } from './keys.ts';
import { type MetaOutbox, metaKey } from './message-item.ts';
import type { ChunkSnapshot } from './message-version.ts';
import { encodeChunk } from './state-chunk.ts';

/** Where the writes go. */
export interface TableRef {
  readonly client: DynamoDBClient;
  readonly tableName: string;
}

/** META's outbox is unchanged since it was loaded (every META item has outboxVersion). */
export const OUTBOX_VERSION_MATCHES = 'outboxVersion = :expected';

/** Encodes every chunk first, so an oversized one fails the commit before any write. */
export function encodeWrites(
  messageId: string,
  writes: readonly ChunkWrite[],
): Promise<Uint8Array[]> {
  return Promise.all(
    writes.map((w) => encodeChunk(w, `${chunkSk(w.index)} of message ${messageId}`)),
  );
}

/**
 * Writes the chunks in order, stopping at the first refusal.
 *
 * @throws ConcurrentUpdateError naming the chunks already written when a chunk moved on.
 */
export async function writeChunks(
  table: TableRef,
  messageId: string,
  writes: readonly ChunkWrite[],
  encoded: readonly Uint8Array[],
  doing: string,
): Promise<ChunkSnapshot[]> {
  const written: ChunkSnapshot[] = [];
  for (const [i, write] of writes.entries()) {
    try {
      written.push(await putChunk(table, messageId, write, encoded[i] as Uint8Array));
    } catch (error) {
      const committed = written.map((c) => c.index);
      if (isConditionalCheckFailed(error)) {
        throw new ConcurrentUpdateError(messageId, write.index, committed, { cause: error });
      }
      const after = committed.length > 0 ? ` (chunks ${committed.join(', ')} were written)` : '';
      throw translateError(
        error,
        table.tableName,
        `${doing} chunk ${write.index} of message ${messageId}${after}`,
      );
    }
  }
  return written;
}

/**
 * One conditional PutItem: the chunk must still be at `expected` (or not exist
 * yet). Throws the SDK's error untranslated: callers decide what a refused
 * condition means.
 */
export async function putChunk(
  table: TableRef,
  messageId: string,
  write: ChunkWrite,
  data: Uint8Array,
): Promise<ChunkSnapshot> {
  const version = (write.expected ?? 0) + 1;
  await table.client.send(
    new PutItemCommand({
      TableName: table.tableName,
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
export async function claimState(
  table: TableRef,
  messageId: string,
  meta: MetaOutbox,
  chunkCount: number,
): Promise<MetaOutbox> {
  try {
    await table.client.send(
      new UpdateItemCommand({
        TableName: table.tableName,
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
    throw translateError(error, table.tableName, `committing message ${messageId}`);
  }
  return { ...meta, stateVersion: meta.stateVersion + 1 };
}

/** Rewrites META's outbox if it is still at `expected`; false when it moved on. */
export function putMetaOutbox(
  table: TableRef,
  messageId: string,
  expected: number,
  next: MetaOutbox,
): Promise<boolean> {
  return conditionalWrite(
    () =>
      table.client.send(
        new UpdateItemCommand({
          TableName: table.tableName,
          Key: metaKey(messageId),
          UpdateExpression: 'SET outbox = :outbox, outboxVersion = :next',
          ConditionExpression: OUTBOX_VERSION_MATCHES,
          ExpressionAttributeValues: {
            ':outbox': { S: JSON.stringify(next.events) },
            ':next': { N: String(next.version) },
            ':expected': { N: String(expected) },
          },
        }),
      ),
    table.tableName,
    `removing published events of message ${messageId}`,
  );
}
