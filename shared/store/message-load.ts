/**
 * Reads one message back: its META item, its state chunks and its outbox, in
 * one strongly consistent Query (`sk >= 'META'` skips the audit records, which
 * sort before META). More than one request only past 1 MB of items (10,000
 * recipients or more, depending on how well their state compresses).
 */

import type { LoadedMessage } from '../domain/tracked-message.ts';
import { type Item, readBinary, readNumber, readString } from './attributes.ts';
import type { TableRef } from './chunk-io.ts';
import { CorruptItemError } from './errors.ts';
import { chunkSk, META_SK, messagePk, parseChunkSk } from './keys.ts';
import { readMessage, readMetaOutbox } from './message-item.ts';
import { type ChunkSnapshot, toLoaded } from './message-version.ts';
import { queryAll } from './query-all.ts';
import { decodeChunk } from './state-chunk.ts';

/**
 * The message as stored; null when not tracked.
 *
 * @throws CorruptItemError when chunks exist without META or one is missing.
 */
export async function loadMessage(
  table: TableRef,
  messageId: string,
): Promise<LoadedMessage | null> {
  const items = await queryAll(
    table.client,
    {
      TableName: table.tableName,
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
  // One chunk at a time, each item's bytes let go once decoded: decoding all
  // at once held every chunk's gunzipped JSON and its parse together (200
  // chunks for 100,000 recipients), for no gain on one thread.
  const chunks: ChunkSnapshot[] = [];
  for (const entry of chunkItems) {
    const { index, item } = entry;
    const where = `${chunkSk(index)} of message ${messageId}`;
    const data = await decodeChunk(readBinary(item, 'data', where), where);
    chunks.push({
      index,
      version: readNumber(item, 'version', where),
      observedAt: readString(item, 'observedAt', where),
      recipients: data.recipients,
      outbox: data.outbox,
    });
    entry.item = {};
  }
  items.length = 0;
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
