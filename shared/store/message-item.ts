/**
 * The META item of a tracked message: what `track` writes and every read of a
 * message parses.
 */
import type { SendReason } from '../calendar/commercial-hold.ts';
import { isRecipientEvent, type MessageEvent } from '../catalog/events.ts';
import type { TrackedMessage, TrackingState } from '../domain/tracked-message.ts';
import type { FailureStreak } from '../lifecycle/poll-failure.ts';
import type { RecipientState } from '../model.ts';
import {
  type Item,
  readBoolean,
  readNumber,
  readOptionalString,
  readString,
  readStringMap,
  stringMap,
} from './attributes.ts';
import { CorruptItemError } from './errors.ts';
import { checkEvents } from './event-check.ts';
import { META_SK, messagePk } from './keys.ts';
import { parseStoredEvent } from './poisoned-event.ts';
import { DUE_INDEX, DUE_PARTITION } from './table.ts';

export function metaKey(messageId: string): Item {
  return { pk: { S: messagePk(messageId) }, sk: { S: META_SK } };
}

/** A new, active message item, in the due index at `nextPollAt`. */
export function messageItem(message: TrackedMessage, outbox: readonly MessageEvent[] = []): Item {
  checkEvents(outbox, `tracking message ${message.messageId}`);
  return {
    ...metaKey(message.messageId),
    messageId: { S: message.messageId },
    metadata: stringMap(message.metadata),
    trackedAt: { S: message.trackedAt },
    nextPollAt: { S: message.nextPollAt },
    expectedSendAt: { S: message.expectedSendAt },
    sendReason: { S: message.sendReason },
    ...(message.sendAt === null ? {} : { sendAt: { S: message.sendAt } }),
    active: { BOOL: message.active },
    state: { S: message.state },
    chunkCount: { N: '0' },
    outbox: { S: JSON.stringify(outbox) },
    outboxVersion: { N: '0' },
    stateVersion: { N: '0' },
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
  const messageId = readString(item, 'messageId', where);
  const trackedAt = readString(item, 'trackedAt', where);
  return {
    messageId,
    metadata: readStringMap(item, 'metadata', where),
    trackedAt,
    nextPollAt: readString(item, 'nextPollAt', where),
    lastPolledAt: readOptionalString(item, 'lastPolledAt', where),
    active: readBoolean(item, 'active', where),
    state: readState(item, where),
    // Items written before send plans existed were sent when tracked.
    sendAt: readOptionalString(item, 'sendAt', where),
    expectedSendAt: readOptionalString(item, 'expectedSendAt', where) ?? trackedAt,
    sendReason: readSendReason(item, where),
    endedAt: readOptionalString(item, 'finishedAt', where),
    ...readFailure(item, where),
  };
}

function readFailure(item: Item, where: string): { failure?: FailureStreak } {
  const kind = readOptionalString(item, 'failureKind', where);
  if (kind === null) return {};
  return {
    failure: {
      kind,
      count: readNumber(item, 'failureCount', where),
      since: readString(item, 'failingSince', where),
    },
  };
}

const SEND_REASONS: readonly SendReason[] = ['now', 'scheduled', 'held'];

function readSendReason(item: Item, where: string): SendReason {
  const raw = readOptionalString(item, 'sendReason', where) ?? 'now';
  if (!(SEND_REASONS as readonly string[]).includes(raw)) {
    throw new CorruptItemError(`Stored item ${where} is corrupt: unknown sendReason "${raw}"`);
  }
  return raw as SendReason;
}

const STATES: readonly TrackingState[] = [
  'active',
  'completed',
  'expired',
  'not-found',
  'untracked',
];

function readState(item: Item, where: string): TrackingState {
  const raw = readOptionalString(item, 'state', where);
  // Items written before the lifecycle existed have no state: derive it.
  if (raw === null) return readBoolean(item, 'active', where) ? 'active' : 'untracked';
  if (!(STATES as readonly string[]).includes(raw)) {
    throw new CorruptItemError(`Stored item ${where} is corrupt: unknown state "${raw}"`);
  }
  return raw as TrackingState;
}

/** The message-level outbox kept on META (tracking started / ended events). */
export interface MetaOutbox {
  readonly events: readonly MessageEvent[];
  /** Bumped on every change; conditional writes compare it. */
  readonly version: number;
  /**
   * Bumped by every commit of recipient state, before its chunks are written:
   * ending a message is conditional on it, so a poller whose view is stale
   * cannot end a message another poller just changed.
   */
  readonly stateVersion: number;
}

export const EMPTY_META_OUTBOX: MetaOutbox = { events: [], version: 0, stateVersion: 0 };

/**
 * @param recipients - the message's recipients, to rebuild an ending event
 *   stored with invalid counts by an earlier version (see poisoned-event.ts).
 */
export function readMetaOutbox(
  item: Item,
  recipients: readonly RecipientState[] | null = null,
): MetaOutbox {
  const where = `${item.pk?.S ?? '?'}/${item.sk?.S ?? '?'}`;
  const text = readOptionalString(item, 'outbox', where);
  const stateVersion = item.stateVersion?.N === undefined ? 0 : Number(item.stateVersion.N);
  if (text === null) return { ...EMPTY_META_OUTBOX, stateVersion };
  const version = item.outboxVersion?.N === undefined ? 0 : Number(item.outboxVersion.N);
  let raw: unknown;
  try {
    raw = JSON.parse(text) as unknown;
    if (!Array.isArray(raw)) throw new Error('not a list');
  } catch (error) {
    throw new CorruptItemError(`Stored item ${where} is corrupt: its outbox is invalid`, {
      cause: error,
    });
  }
  const events = (raw as { detailType?: unknown; detail?: unknown }[]).map((e) =>
    parseStoredEvent(String(e?.detailType), e?.detail, recipients, `${where} (outbox)`),
  );
  if (events.some(isRecipientEvent)) {
    throw new CorruptItemError(
      `Stored item ${where} is corrupt: its outbox holds a recipient event`,
    );
  }
  return { events: events as MessageEvent[], version, stateVersion };
}
