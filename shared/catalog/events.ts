/**
 * The event catalog: the one source of truth for every event this product puts on
 * the bus. The publisher accepts only these events, the README table and the JSON
 * Schema files in `schemas/` are generated from them, and consumers can import the
 * same zod schemas and TypeScript types.
 */
import * as z from 'zod';
import { parseKeepingProtoKeys } from './own-keys.ts';

/** `source` of every event the product publishes. */
export const EVENT_SOURCE = 'mailpartner.status-sync';

const isoDateTime = z.iso.datetime({ offset: true });

/** Detail shared by every recipient event. */
export const recipientEventDetail = z
  .object({
    eventId: z
      .string()
      .describe('Deterministic id of this transition: the same change always has the same id.'),
    messageId: z.string().describe('MailPartner messageId.'),
    email: z
      .string()
      .describe(
        'Recipient address as the provider reported it, or `hmac-sha256:<hex>` of it when EMAIL_HASH_SALT is set.',
      ),
    token: z.string().describe("Provider's per-recipient token ('' when none)."),
    status: z.string().describe('Raw provider status string, untouched.'),
    previousStatus: z
      .string()
      .nullable()
      .describe('Status of the previous event of this recipient; null on first sight.'),
    cost: z.number().nullable().describe('Cost in account credits, null when unknown.'),
    stopMail: z.boolean().describe('True when the recipient is on the unsubscribe list.'),
    statusAt: isoDateTime.describe("Status time (the provider's `date`), ISO 8601."),
    observedAt: isoDateTime.describe('When the poller saw this change, ISO 8601.'),
    sequence: z
      .number()
      .int()
      .positive()
      .describe('Per recipient: 1 for the first event, +1 for each later one, no gaps.'),
    metadata: z
      .record(z.string(), z.string())
      .describe('Metadata attached when tracking the message; {} if none.'),
    replayed: z
      .boolean()
      .optional()
      .describe('Present and true only on events republished by `status-sync replay`.'),
  })
  .strict();

export type RecipientEventDetail = z.infer<typeof recipientEventDetail>;

/** Fields every message-level event carries. */
const messageEventBase = {
  eventId: z
    .string()
    .describe('Deterministic id of this event: the same occurrence always has the same id.'),
  messageId: z.string().describe('MailPartner messageId.'),
  metadata: z
    .record(z.string(), z.string())
    .describe('Metadata attached when tracking the message; {} if none.'),
  trackedAt: isoDateTime.describe('When tracking started, ISO 8601.'),
  observedAt: isoDateTime.describe('When the poller decided this, ISO 8601.'),
  replayed: z
    .boolean()
    .optional()
    .describe('Present and true only on events republished by `status-sync replay`.'),
};

const statusCounts = z
  .record(z.string(), z.number().int().nonnegative())
  .describe('Recipients per raw status, e.g. {"Delivered": 480, "Bounced": 20}.');

const countsOmitted = z
  .object({
    statuses: z.number().int().positive().describe('Distinct statuses left out of counts.'),
    recipients: z.number().int().positive().describe('Recipients with those statuses.'),
  })
  .strict()
  .optional()
  .describe(
    'Present only when counts was capped (at most 100 statuses and 48 KB, so the event stays within the PutEvents limit): what it leaves out, least frequent statuses first.',
  );

const recipientRef = z
  .object({ email: z.string(), token: z.string(), status: z.string() })
  .strict();

/** Most recipients a message-level event lists inline (events stay far below 256 KB). */
export const MAX_LISTED_RECIPIENTS = 200;

export const messageTrackingStartedDetail = z
  .object({
    ...messageEventBase,
    expectedSendAt: isoDateTime
      .optional()
      .describe(
        'When the mail is expected to leave the provider, ISO 8601: the tracking time, a scheduled send time, or the end of the commercial hold (next working day 08:00 Paris time). Absent only on events stored before v0.2.',
      ),
    expectedSendReason: z
      .enum(['now', 'scheduled', 'held'])
      .optional()
      .describe(
        '`now`: sent when tracked; `scheduled`: a send time was given; `held`: held by the commercial hold until `expectedSendAt`. Absent only on events stored before v0.2.',
      ),
    sendAt: isoDateTime
      .optional()
      .describe('The scheduled send time given when tracking, when one was given.'),
  })
  .strict();

export const messageTrackingCompletedDetail = z
  .object({
    ...messageEventBase,
    recipients: z.number().int().nonnegative().describe('Number of recipients tracked.'),
    counts: statusCounts,
    countsOmitted,
  })
  .strict();

export const messageTrackingExpiredDetail = z
  .object({
    ...messageEventBase,
    recipients: z.number().int().nonnegative().describe('Number of recipients tracked.'),
    counts: statusCounts,
    countsOmitted,
    pendingCount: z
      .number()
      .int()
      .nonnegative()
      .describe('Recipients still without a final status.'),
    pending: z
      .array(recipientRef)
      .max(MAX_LISTED_RECIPIENTS)
      .describe(
        `Recipients still pending (at most ${MAX_LISTED_RECIPIENTS} and 128 KB of them, so the event stays within the PutEvents limit; see pendingCount).`,
      ),
  })
  .strict();

export const messageNotFoundDetail = z
  .object({
    ...messageEventBase,
    gaveUpAfterMs: z
      .number()
      .int()
      .nonnegative()
      .describe('How long the provider kept answering "message not found" (code 4).'),
  })
  .strict();

/** Longest error text a MessagePollFailing event carries. */
export const MAX_ERROR_TEXT = 1000;

export const messagePollFailingDetail = z
  .object({
    ...messageEventBase,
    errorKind: z
      .string()
      .describe(
        'Kind of the failure, as in the SyncErrors metric: transient, rate-limited, store, publish, reply-mismatch, configuration, ...',
      ),
    failures: z.number().int().positive().describe('Polls in a row that failed with this kind.'),
    failingSince: isoDateTime.describe('When the first of those polls failed, ISO 8601.'),
    error: z
      .string()
      .max(MAX_ERROR_TEXT)
      .describe('The last error, as logged (secrets masked), cut to 1,000 characters.'),
    nextPollAt: isoDateTime.describe(
      'When it is polled again: failing messages back off, doubling up to the longest poll interval.',
    ),
  })
  .strict();

/** Largest number of recipients in one snapshot event; bigger messages span several parts. */
export const SNAPSHOT_PART_SIZE = 500;

export const messageStatusSnapshotDetail = z
  .object({
    ...messageEventBase,
    part: z.number().int().positive().describe('1-based part number of this snapshot.'),
    parts: z
      .number()
      .int()
      .positive()
      .describe(`Number of parts (${SNAPSHOT_PART_SIZE} recipients each).`),
    recipients: z
      .array(
        z
          .object({
            email: z.string(),
            token: z.string(),
            status: z.string(),
            stopMail: z.boolean(),
            cost: z.number().nullable(),
            statusAt: isoDateTime,
            sequence: z.number().int().positive(),
          })
          .strict(),
      )
      .max(SNAPSHOT_PART_SIZE)
      .describe('Current state of each recipient (this part).'),
  })
  .strict();

interface CatalogEntry<S extends z.ZodType> {
  /** When the event is published, in one sentence (README table). */
  readonly when: string;
  readonly detail: S;
}

/** Every detail-type with its schema. Order is the README order. */
export const catalog = {
  RecipientDelivered: {
    when: 'The provider reports the recipient as `Delivered`.',
    detail: recipientEventDetail,
  },
  RecipientNotDelivered: {
    when: 'The provider reports a failure: `Not delivered`, `Failed`, `Bounced`, `Rejected`, `ko`...',
    detail: recipientEventDetail,
  },
  RecipientOpened: {
    when: 'The provider reports the recipient as `Opened`.',
    detail: recipientEventDetail,
  },
  RecipientClicked: {
    when: 'The provider reports the recipient as `Clicked`.',
    detail: recipientEventDetail,
  },
  RecipientUnsubscribed: {
    when: '`stopMail` turned true for the recipient.',
    detail: recipientEventDetail,
  },
  RecipientStatusChanged: {
    when: 'Any other change: `Waiting`, `Pending`, `Sent`, an unknown raw status, or `stopMail` turning false.',
    detail: recipientEventDetail,
  },
  MessageTrackingStarted: {
    when: 'A message starts being tracked (`status-sync track` or a `TrackMessage` event).',
    detail: messageTrackingStartedDetail,
  },
  MessageTrackingCompleted: {
    when: 'Every recipient reached a final status and the engagement window passed; polling stops.',
    detail: messageTrackingCompletedDetail,
  },
  MessageTrackingExpired: {
    when: 'The tracking window (48 h by default) ran out with recipients still pending; polling stops.',
    detail: messageTrackingExpiredDetail,
  },
  MessageNotFound: {
    when: 'The provider still answers "message not found" (code 4) after the grace period; polling stops.',
    detail: messageNotFoundDetail,
  },
  MessagePollFailing: {
    when: 'A message failed the same way on 5 polls in a row (a poison message): it is backed off and reported once per streak; tracking goes on.',
    detail: messagePollFailingDetail,
  },
  MessageStatusSnapshot: {
    when: "On demand (`status-sync snapshot`): every recipient's current state, for consumers to heal their view.",
    detail: messageStatusSnapshotDetail,
  },
} as const satisfies Record<string, CatalogEntry<z.ZodType>>;

export type DetailType = keyof typeof catalog;
export const DETAIL_TYPES = Object.keys(catalog) as DetailType[];

/** A catalog event as the publisher takes it: detail-type plus its typed detail. */
export type CatalogEvent = {
  [K in DetailType]: {
    readonly detailType: K;
    readonly detail: z.infer<(typeof catalog)[K]['detail']>;
  };
}[DetailType];

/** Recipient events: one per status change of one recipient. */
export type RecipientEvent = Extract<CatalogEvent, { detail: RecipientEventDetail }>;

/** Message-level events: tracking lifecycle and snapshots. */
export type MessageEvent = Exclude<CatalogEvent, RecipientEvent>;

export function isRecipientEvent(event: CatalogEvent): event is RecipientEvent {
  return 'sequence' in event.detail;
}

/** The event's own time: the status time for recipient events, the observation time otherwise. */
export function eventTime(event: CatalogEvent): string {
  return isRecipientEvent(event) ? event.detail.statusAt : event.detail.observedAt;
}

/**
 * Validates an event against its catalog schema; throws a zod error naming the
 * offending field. Used by the publisher before anything leaves the process.
 */
export function parseCatalogEvent(detailType: string, detail: unknown): CatalogEvent {
  // Own keys only: "constructor" or "toString" is not a detail-type.
  const entry = Object.hasOwn(catalog, detailType)
    ? (catalog as Record<string, CatalogEntry<z.ZodType>>)[detailType]
    : undefined;
  if (!entry) throw new Error(`Unknown detail-type "${detailType}": not in the event catalog`);
  return { detailType, detail: parseKeepingProtoKeys(entry.detail, detail) } as CatalogEvent;
}
