/**
 * The UpdateItem inputs on a message's META item, as plain data: untrack,
 * retire, finish and the two writes of a poll record. The store sends them
 * through `conditionalWrite`; each condition is what makes it safe to race.
 */
import type { UpdateItemCommandInput } from '@aws-sdk/client-dynamodb';
import type { TrackingState } from '../domain/tracked-message.ts';
import type { PollRecord } from '../ports.ts';
import { OUTBOX_VERSION_MATCHES } from './chunk-io.ts';
import { type MetaOutbox, metaKey } from './message-item.ts';
import { DUE_INDEX } from './table.ts';

/** Names of the due index's key attributes in expressions. */
export function dueNames(): Record<string, string> {
  return { '#duePk': DUE_INDEX.partitionKey.name, '#dueAt': DUE_INDEX.sortKey.name };
}

/** Deactivates an active message as untracked (`at`: when tracking ended), returning it. */
export function untrackInput(
  tableName: string,
  messageId: string,
  at?: Date,
): UpdateItemCommandInput {
  return {
    TableName: tableName,
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
  };
}

/** Leaves the due index; with `outboxVersion`, only if META's outbox is still that one. */
export function retireInput(
  tableName: string,
  messageId: string,
  outboxVersion: number | null,
): UpdateItemCommandInput {
  return {
    TableName: tableName,
    Key: metaKey(messageId),
    UpdateExpression: 'REMOVE #duePk, #dueAt',
    ConditionExpression:
      outboxVersion === null ? 'active = :false' : `active = :false AND ${OUTBOX_VERSION_MATCHES}`,
    ExpressionAttributeNames: dueNames(),
    ExpressionAttributeValues: {
      ':false': { BOOL: false },
      ...(outboxVersion === null ? {} : { ':expected': { N: String(outboxVersion) } }),
    },
  };
}

/** Ends tracking with `next` as META's outbox, if still active at `loaded` (state and outbox). */
export function finishInput(
  tableName: string,
  messageId: string,
  loaded: MetaOutbox,
  next: MetaOutbox,
  state: Exclude<TrackingState, 'active'>,
  at: Date,
): UpdateItemCommandInput {
  return {
    TableName: tableName,
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
      ':outbox': { S: JSON.stringify(next.events) },
      ':next': { N: String(next.version) },
      ':expected': { N: String(loaded.version) },
      ':sv': { N: String(loaded.stateVersion) },
    },
  };
}

/**
 * The two writes of a poll record: `indexed` moves the message in the due
 * index (only while it is in it); `unindexed`, sent when that condition
 * failed, records the poll without re-entering the index (only if stored).
 */
export function pollInputs(
  tableName: string,
  messageId: string,
  polledAt: Date,
  nextPollAt: Date,
  options: PollRecord,
): { indexed: UpdateItemCommandInput; unindexed: UpdateItemCommandInput } {
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
  return {
    indexed: {
      TableName: tableName,
      Key: metaKey(messageId),
      UpdateExpression: `SET lastPolledAt = :polled, nextPollAt = :next, #dueAt = :next${sent}`,
      ConditionExpression: 'attribute_exists(#duePk)',
      ExpressionAttributeNames: dueNames(),
      ExpressionAttributeValues: values,
    },
    unindexed: {
      TableName: tableName,
      Key: metaKey(messageId),
      UpdateExpression: `SET lastPolledAt = :polled, nextPollAt = :next${sent}`,
      ConditionExpression: 'attribute_exists(pk)',
      ExpressionAttributeValues: values,
    },
  };
}
