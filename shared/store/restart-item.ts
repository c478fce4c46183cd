/**
 * Tracking an ended message again (after untrack, not-found or expiry): the
 * UpdateItem that turns its META item back into an active tracking. Pure: it
 * builds the request, the store sends it.
 *
 * Recipient state chunks are left as they are, so each recipient's `sequence`
 * chain goes on from where it stopped; the new MessageTrackingStarted (a new
 * eventId, since its id derives from the new `trackedAt`) joins META's outbox
 * after whatever ending events are still waiting there.
 *
 * Timeline of the condition:
 *
 *   load (active=false, outboxVersion=v) ──▶ UpdateItem IF active=false AND outboxVersion=v
 *                                              │
 *   a concurrent restart or flush moved outboxVersion on: the write fails and
 *   the caller reads the message again (it is then active, or retried).
 */
import type { UpdateItemCommandInput } from '@aws-sdk/client-dynamodb';
import type { MessageEvent } from '../catalog/events.ts';
import type { TrackedMessage } from '../domain/tracked-message.ts';
import { stringMap } from './attributes.ts';
import { type MetaOutbox, metaKey } from './message-item.ts';
import { DUE_INDEX, DUE_PARTITION } from './table.ts';

export function restartItemInput(
  tableName: string,
  message: TrackedMessage,
  meta: MetaOutbox,
  started: readonly MessageEvent[],
): UpdateItemCommandInput {
  const set = [
    'active = :true',
    '#state = :active',
    'metadata = :metadata',
    'trackedAt = :trackedAt',
    'nextPollAt = :nextPollAt',
    'expectedSendAt = :expected',
    'sendReason = :reason',
    'outbox = :outbox',
    'outboxVersion = :nextOutbox',
    '#duePk = :due',
    '#dueAt = :nextPollAt',
    ...(message.sendAt === null ? [] : ['sendAt = :sendAt']),
  ];
  const remove = [
    'lastPolledAt',
    'finishedAt',
    'failureKind',
    'failureCount',
    'failingSince',
    ...(message.sendAt === null ? ['sendAt'] : []),
  ];
  return {
    TableName: tableName,
    Key: metaKey(message.messageId),
    UpdateExpression: `SET ${set.join(', ')} REMOVE ${remove.join(', ')}`,
    ConditionExpression: 'active = :false AND outboxVersion = :outboxVersion',
    ExpressionAttributeNames: {
      '#state': 'state',
      '#duePk': DUE_INDEX.partitionKey.name,
      '#dueAt': DUE_INDEX.sortKey.name,
    },
    ExpressionAttributeValues: {
      ':true': { BOOL: true },
      ':false': { BOOL: false },
      ':active': { S: 'active' },
      ':metadata': stringMap(message.metadata),
      ':trackedAt': { S: message.trackedAt },
      ':nextPollAt': { S: message.nextPollAt },
      ':expected': { S: message.expectedSendAt },
      ':reason': { S: message.sendReason },
      ':due': { S: DUE_PARTITION },
      ':outbox': { S: JSON.stringify([...meta.events, ...started]) },
      ':nextOutbox': { N: String(meta.version + 1) },
      ':outboxVersion': { N: String(meta.version) },
      ...(message.sendAt === null ? {} : { ':sendAt': { S: message.sendAt } }),
    },
  };
}
