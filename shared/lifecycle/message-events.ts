/**
 * Message-level events (tracking started, completed, expired, not found,
 * snapshots), built from stored state. Pure: times come in as arguments, and
 * ids are derived like recipient event ids, so a retry re-derives the same id.
 */
import {
  MAX_ERROR_TEXT,
  MAX_LISTED_RECIPIENTS,
  type MessageEvent,
  SNAPSHOT_PART_SIZE,
} from '../catalog/events.ts';
import { eventIdFor } from '../diff/event-id.ts';
import type { TrackedMessage } from '../domain/tracked-message.ts';
import type { RecipientState } from '../model.ts';
import { listPending, summarizeStatuses } from './ending-summary.ts';
import type { FailureStreak } from './poll-failure.ts';

type MessageDetailType = MessageEvent['detailType'];

/** A message event's id: one per (message, kind, occurrence). */
export function messageEventId(
  messageId: string,
  detailType: MessageDetailType,
  occurrence: string,
): string {
  return eventIdFor({
    messageId,
    recipientKey: '',
    sequence: 0,
    detailType,
    previousStatus: null,
    status: occurrence,
    stopMail: false,
  });
}

function base(message: TrackedMessage, detailType: MessageDetailType, observedAt: Date) {
  return {
    // One "started" and one ending per tracking: trackedAt tells trackings apart.
    eventId: messageEventId(message.messageId, detailType, message.trackedAt),
    messageId: message.messageId,
    metadata: { ...message.metadata },
    trackedAt: message.trackedAt,
    observedAt: observedAt.toISOString(),
  };
}

export function trackingStarted(message: TrackedMessage): MessageEvent {
  return {
    detailType: 'MessageTrackingStarted',
    detail: {
      ...base(message, 'MessageTrackingStarted', new Date(message.trackedAt)),
      expectedSendAt: message.expectedSendAt,
      expectedSendReason: message.sendReason,
      ...(message.sendAt === null ? {} : { sendAt: message.sendAt }),
    },
  };
}

export function trackingCompleted(
  message: TrackedMessage,
  recipients: readonly RecipientState[],
  at: Date,
): MessageEvent {
  return {
    detailType: 'MessageTrackingCompleted',
    detail: {
      ...base(message, 'MessageTrackingCompleted', at),
      recipients: recipients.length,
      ...summarizeStatuses(recipients),
    },
  };
}

export function trackingExpired(
  message: TrackedMessage,
  recipients: readonly RecipientState[],
  pending: readonly RecipientState[],
  at: Date,
): MessageEvent {
  return {
    detailType: 'MessageTrackingExpired',
    detail: {
      ...base(message, 'MessageTrackingExpired', at),
      recipients: recipients.length,
      ...summarizeStatuses(recipients),
      pendingCount: pending.length,
      pending: listPending(pending, MAX_LISTED_RECIPIENTS),
    },
  };
}

export function messageNotFound(message: TrackedMessage, at: Date): MessageEvent {
  return {
    detailType: 'MessageNotFound',
    detail: {
      ...base(message, 'MessageNotFound', at),
      gaveUpAfterMs: Math.max(0, at.getTime() - Date.parse(message.trackedAt)),
    },
  };
}

/**
 * A poison message: its polls failed the same way `streak.count` times in a
 * row. One id per streak (kind and start), so a retried report is the same event.
 */
export function messagePollFailing(
  message: TrackedMessage,
  streak: FailureStreak,
  error: string,
  nextPollAt: Date,
  at: Date,
): MessageEvent {
  return {
    detailType: 'MessagePollFailing',
    detail: {
      ...base(message, 'MessagePollFailing', at),
      eventId: messageEventId(
        message.messageId,
        'MessagePollFailing',
        `${streak.kind}#${streak.since}`,
      ),
      errorKind: streak.kind,
      failures: streak.count,
      failingSince: streak.since,
      error: error.length > MAX_ERROR_TEXT ? `${error.slice(0, MAX_ERROR_TEXT - 1)}…` : error,
      nextPollAt: nextPollAt.toISOString(),
    },
  };
}

/**
 * A snapshot of every recipient, in parts of SNAPSHOT_PART_SIZE so each event
 * stays small. The snapshot time identifies it: the same request twice at the
 * same instant yields the same ids.
 */
export function statusSnapshot(
  message: TrackedMessage,
  recipients: readonly RecipientState[],
  at: Date,
): MessageEvent[] {
  const sorted = [...recipients].sort(
    (a, b) => a.email.localeCompare(b.email) || a.token.localeCompare(b.token),
  );
  const parts = Math.max(1, Math.ceil(sorted.length / SNAPSHOT_PART_SIZE));
  return Array.from({ length: parts }, (_, i) => ({
    detailType: 'MessageStatusSnapshot' as const,
    detail: {
      ...base(message, 'MessageStatusSnapshot', at),
      eventId: messageEventId(
        message.messageId,
        'MessageStatusSnapshot',
        `${at.toISOString()}#${i + 1}`,
      ),
      part: i + 1,
      parts,
      recipients: sorted.slice(i * SNAPSHOT_PART_SIZE, (i + 1) * SNAPSHOT_PART_SIZE).map((r) => ({
        email: r.email,
        token: r.token,
        status: r.status,
        stopMail: r.stopMail,
        cost: r.cost,
        statusAt: r.statusAt,
        sequence: r.sequence,
      })),
    },
  }));
}
