/**
 * Provider status strings → catalog detail-types.
 *
 * MailPartner documents only `Delivered` for mail; the other values come from
 * SMSPartner's documentation and third-party clients (see the API notes). The
 * status is therefore an open string: known values map to typed events, and
 * anything else maps to `RecipientStatusChanged` carrying the raw value, so an
 * unexpected status is published, never dropped.
 */
import type { RecipientEvent } from '../catalog/events.ts';

/** The detail-types a status alone can lead to (`RecipientUnsubscribed` comes from `stopMail`). */
export type StatusDetailType = Exclude<RecipientEvent['detailType'], 'RecipientUnsubscribed'>;

/**
 * Canonical form of a status for comparison and lookup: trimmed, lower-cased,
 * every run of whitespace, `_` or `-` collapsed to one space. `'Not delivered'`,
 * `'NOT_DELIVERED'` and `' not-delivered '` all give `'not delivered'`.
 *
 * Only for matching: events and stored state keep the provider's raw string.
 */
export function normalizeStatus(raw: string): string {
  return raw
    .trim()
    .toLowerCase()
    .replace(/[\s_-]+/g, ' ');
}

/**
 * Normalised status → detail-type. Failure words include SMSPartner's `ko`
 * ("not sent") and the bounce spellings seen in third-party clients; all of them
 * are final failures for a consumer, so they share one detail-type and the raw
 * status tells them apart.
 */
const DETAIL_TYPE_BY_STATUS: ReadonlyMap<string, StatusDetailType> = new Map([
  ['delivered', 'RecipientDelivered'],
  ...[
    'not delivered',
    'undelivered',
    'not sent',
    'ko',
    'failed',
    'failure',
    'rejected',
    'bounced',
    'bounce',
    'hard bounce',
    'hard bounced',
    'hardbounce',
    'soft bounce',
    'soft bounced',
    'softbounce',
  ].map((status) => [status, 'RecipientNotDelivered'] as const),
  ['opened', 'RecipientOpened'],
  ['open', 'RecipientOpened'],
  ['clicked', 'RecipientClicked'],
  ['click', 'RecipientClicked'],
]);

/**
 * The detail-type of the event announcing that a recipient reached `raw`.
 * Case and spacing do not matter (see {@link normalizeStatus}). Anything not
 * recognised (`Waiting`, `Pending`, `sent`, an empty string, a value the provider
 * adds tomorrow) gives `RecipientStatusChanged`.
 */
export function classifyStatus(raw: string): StatusDetailType {
  return DETAIL_TYPE_BY_STATUS.get(normalizeStatus(raw)) ?? 'RecipientStatusChanged';
}

/**
 * How far along the delivery lifecycle a status is, for choosing between two
 * reports of one recipient (see `merge-rows.ts`): 0 pending or unknown (`Waiting`,
 * '' or a value not recognised, which cannot be placed), 1 a delivery outcome
 * (delivered or not delivered: the final statuses of the lifecycle), 2 opened,
 * 3 clicked (a click implies an open).
 */
export function statusRank(raw: string): number {
  return RANK_BY_DETAIL_TYPE[classifyStatus(raw)];
}

const RANK_BY_DETAIL_TYPE: Readonly<Record<StatusDetailType, number>> = {
  RecipientStatusChanged: 0,
  RecipientDelivered: 1,
  RecipientNotDelivered: 1,
  RecipientOpened: 2,
  RecipientClicked: 3,
};
