/**
 * The event catalog: the one source of truth for every event this product puts on
 * the bus. The publisher accepts only these events, the README table and the JSON
 * Schema files in `schemas/` are generated from them, and consumers can import the
 * same zod schemas and TypeScript types.
 */
import { z } from 'zod';

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
    email: z.string().describe('Recipient address as the provider reported it.'),
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
    when: 'Any other change: first sight, `Waiting`, `Pending`, `Sent`, or an unknown raw status.',
    detail: recipientEventDetail,
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

/** Recipient events (all of today's catalog). */
export type RecipientEvent = Extract<CatalogEvent, { detail: RecipientEventDetail }>;

/**
 * Validates an event against its catalog schema; throws a zod error naming the
 * offending field. Used by the publisher before anything leaves the process.
 */
export function parseCatalogEvent(detailType: string, detail: unknown): CatalogEvent {
  const entry = (catalog as Record<string, CatalogEntry<z.ZodType>>)[detailType];
  if (!entry) throw new Error(`Unknown detail-type "${detailType}": not in the event catalog`);
  return { detailType, detail: entry.detail.parse(detail) } as CatalogEvent;
}
