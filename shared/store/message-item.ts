/**
 * The META item of a tracked message: what `track` writes and every read of a
 * message parses.
 */
import type { TrackedMessage } from '../sync/ports.ts';
import {
  type Item,
  readBoolean,
  readOptionalString,
  readString,
  readStringMap,
  stringMap,
} from './attributes.ts';
import { META_SK, messagePk } from './keys.ts';
import { DUE_INDEX, DUE_PARTITION } from './table.ts';

export function metaKey(messageId: string): Item {
  return { pk: { S: messagePk(messageId) }, sk: { S: META_SK } };
}

/** A new, active message item, in the due index at `nextPollAt`. */
export function messageItem(message: TrackedMessage): Item {
  return {
    ...metaKey(message.messageId),
    messageId: { S: message.messageId },
    metadata: stringMap(message.metadata),
    trackedAt: { S: message.trackedAt },
    nextPollAt: { S: message.nextPollAt },
    active: { BOOL: message.active },
    chunkCount: { N: '0' },
    ...(message.active
      ? {
          [DUE_INDEX.partitionKey.name]: { S: DUE_PARTITION },
          [DUE_INDEX.sortKey.name]: { S: message.nextPollAt },
        }
      : {}),
  };
}

/** @throws CorruptItemError when an attribute is missing or of the wrong type. */
export function readMessage(item: Item): TrackedMessage {
  const where = `${item.pk?.S ?? '?'}/${item.sk?.S ?? '?'}`;
  return {
    messageId: readString(item, 'messageId', where),
    metadata: readStringMap(item, 'metadata', where),
    trackedAt: readString(item, 'trackedAt', where),
    nextPollAt: readString(item, 'nextPollAt', where),
    lastPolledAt: readOptionalString(item, 'lastPolledAt', where),
    active: readBoolean(item, 'active', where),
  };
}
