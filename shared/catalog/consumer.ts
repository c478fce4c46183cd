/**
 * `mailpartner-status-sync/catalog`: what a consumer of the events (or a
 * backend that asks for tracking) imports. For each detail-type: the zod
 * schema the publisher applies, its TypeScript type, a consumer parser that
 * accepts fields added later, and its JSON Schema; the TrackMessage schema and
 * {@link trackMessageEntry}. Works with Powertools' parser:
 * `EventBridgeEnvelope.parse(event, consumerSchemas.RecipientDelivered)`.
 * Imports zod only (no AWS SDK, no CDK).
 */
import type * as z from 'zod';
import { loosen } from './consumer-loose.ts';
import { catalog, DETAIL_TYPES, type DetailType } from './events.ts';
import { parseKeepingProtoKeys } from './own-keys.ts';

export { eventJsonSchema, type JsonSchema, registryJsonSchema } from './consumer-json-schema.ts';
export { loosen } from './consumer-loose.ts';
export {
  type TrackMessageEntry,
  type TrackMessageEntryInput,
  trackMessageEntry,
} from './consumer-track.ts';
export {
  type CatalogEvent,
  catalog,
  DETAIL_TYPES,
  type DetailType,
  EVENT_SOURCE,
  type MessageEvent,
  messageNotFoundDetail,
  messagePollFailingDetail,
  messageStatusSnapshotDetail,
  messageTrackingCompletedDetail,
  messageTrackingExpiredDetail,
  messageTrackingStartedDetail,
  type RecipientEvent,
  type RecipientEventDetail,
  recipientEventDetail,
} from './events.ts';
export {
  DEFAULT_TRACK_MESSAGE_SOURCE,
  TRACK_MESSAGE_DETAIL_TYPE,
  type TrackMessageDetail,
  trackMessageDetail,
} from './track-message.ts';

/** The publisher's (strict) zod schema of each detail-type's `detail`. */
export type DetailSchemas = { readonly [K in DetailType]: (typeof catalog)[K]['detail'] };

/** The `detail` of an event of detail-type `K`, as published today. */
export type DetailOf<K extends DetailType> = z.infer<DetailSchemas[K]>;

export type RecipientDeliveredDetail = DetailOf<'RecipientDelivered'>;
export type RecipientNotDeliveredDetail = DetailOf<'RecipientNotDelivered'>;
export type RecipientOpenedDetail = DetailOf<'RecipientOpened'>;
export type RecipientClickedDetail = DetailOf<'RecipientClicked'>;
export type RecipientUnsubscribedDetail = DetailOf<'RecipientUnsubscribed'>;
export type RecipientStatusChangedDetail = DetailOf<'RecipientStatusChanged'>;
export type MessageTrackingStartedDetail = DetailOf<'MessageTrackingStarted'>;
export type MessageTrackingCompletedDetail = DetailOf<'MessageTrackingCompleted'>;
export type MessageTrackingExpiredDetail = DetailOf<'MessageTrackingExpired'>;
export type MessageNotFoundDetail = DetailOf<'MessageNotFound'>;
export type MessagePollFailingDetail = DetailOf<'MessagePollFailing'>;
export type MessageStatusSnapshotDetail = DetailOf<'MessageStatusSnapshot'>;

/** The strict schemas, by detail-type: what the publisher checks before putting an event. */
export const detailSchemas: DetailSchemas = Object.fromEntries(
  DETAIL_TYPES.map((detailType) => [detailType, catalog[detailType].detail]),
) as unknown as DetailSchemas;

/**
 * Consumer parsers, by detail-type: the same checks, but unknown fields (at any
 * depth) are kept rather than refused, so a consumer built against this
 * version still reads events of a later one. The type is today's fields.
 */
export const consumerSchemas: { readonly [K in DetailType]: z.ZodType<DetailOf<K>> } =
  Object.fromEntries(
    DETAIL_TYPES.map((detailType) => [detailType, loosen(catalog[detailType].detail)]),
  ) as unknown as { readonly [K in DetailType]: z.ZodType<DetailOf<K>> };

/**
 * Parses the `detail` of a delivered event with the consumer parser of its
 * detail-type; throws a zod error naming the field, or an Error for a
 * detail-type this version does not know.
 */
export function parseDetail<K extends DetailType>(detailType: K, detail: unknown): DetailOf<K>;
export function parseDetail(detailType: string, detail: unknown): unknown;
export function parseDetail(detailType: string, detail: unknown): unknown {
  if (!Object.hasOwn(consumerSchemas, detailType)) {
    throw new Error(`Unknown detail-type "${detailType}": not in this version's event catalog`);
  }
  // Own `__proto__` keys (metadata is user strings) survive the parse as data.
  return parseKeepingProtoKeys(
    consumerSchemas[detailType as DetailType] as z.ZodType<unknown>,
    detail,
  );
}
