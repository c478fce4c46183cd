/**
 * Audit records: one item per published (or about to be published) event,
 * kept `auditRetentionDays` then expired by DynamoDB TTL.
 *
 * `detail` is the event exactly as it is published (with pseudonyms when the
 * deployment hashes addresses) and `form` names that form, so replay
 * republishes the same content under the same eventId whatever the shell's
 * settings. `email` keeps the provider's spelling for the operator (history,
 * erasure); `recipientHash` keys the recipient index (table.ts).
 */
import { type CatalogEvent, eventTime, isRecipientEvent } from '../catalog/events.ts';
import { type RecipientState, recipientKey } from '../model.ts';
import type { AuditRecord } from '../ports.ts';
import { type Publication, publicationFor } from '../privacy/publication.ts';
import { type Item, readNumber, readOptionalString, readString } from './attributes.ts';
import { CorruptItemError, StoreError } from './errors.ts';
import { auditSk, messagePk } from './keys.ts';
import { parseStoredEvent } from './poisoned-event.ts';
import { RECIPIENT_INDEX, TTL_ATTRIBUTE } from './table.ts';

/** Attribute naming the publication form of `detail`. */
export const FORM_ATTRIBUTE = 'form';

const PLAIN = publicationFor(null);

const DAY_SECONDS = 86_400;

/**
 * The item of one event. Everything in it derives from the event (the expiry
 * counts from the event's `observedAt`, not from the clock), so writing the
 * same event twice writes the same item.
 */
export function auditItem(
  messageId: string,
  event: CatalogEvent,
  retentionDays: number,
  publication: Publication = PLAIN,
): Item {
  const d = event.detail;
  if (d.messageId !== messageId) {
    throw new StoreError(
      `Audit event ${d.eventId} belongs to message ${d.messageId}, not to ${messageId}`,
    );
  }
  const observedMs = Date.parse(d.observedAt);
  if (Number.isNaN(observedMs)) {
    throw new StoreError(`Audit event ${d.eventId} has an invalid observedAt "${d.observedAt}"`);
  }
  const expiresAt = Math.floor(observedMs / 1000) + Math.round(retentionDays * DAY_SECONDS);
  // Message-level events (tracking started, completed...) belong to no recipient:
  // they are filed under the empty address at sequence 0, first in the history.
  const who = isRecipientEvent(event)
    ? { email: event.detail.email, token: event.detail.token, sequence: event.detail.sequence }
    : { email: '', token: '', sequence: 0 };
  return {
    pk: { S: messagePk(messageId) },
    sk: { S: auditSk(recipientKey(who), who.sequence, d.eventId) },
    eventId: { S: d.eventId },
    detailType: { S: event.detailType },
    detail: { S: JSON.stringify(publication.render(event).detail) },
    [FORM_ATTRIBUTE]: { S: publication.form },
    email: { S: who.email },
    ...(isRecipientEvent(event)
      ? { [RECIPIENT_INDEX.partitionKey.name]: { S: publication.recipientKey(who.email) } }
      : {}),
    token: { S: who.token },
    sequence: { N: String(who.sequence) },
    statusAt: { S: eventTime(event) },
    observedAt: { S: d.observedAt },
    [TTL_ATTRIBUTE]: { N: String(expiresAt) },
  };
}

/**
 * Reads an audit item back, validating the event against the catalog.
 *
 * @param recipients - the message's recipients, to rebuild an ending event
 *   stored with invalid counts by an earlier version (see poisoned-event.ts).
 */
export function readAuditItem(
  item: Item,
  recipients: readonly RecipientState[] | null = null,
): AuditRecord {
  const where = `${item.pk?.S ?? '?'}/${item.sk?.S ?? '?'}`;
  const detailType = readString(item, 'detailType', where);
  let detail: unknown;
  try {
    detail = JSON.parse(readString(item, 'detail', where));
  } catch (error) {
    if (error instanceof CorruptItemError) throw error;
    throw new CorruptItemError(`Stored item ${where} is corrupt: its event is invalid`, {
      cause: error,
    });
  }
  const event: CatalogEvent = parseStoredEvent(detailType, detail, recipients, where);
  return {
    eventId: readString(item, 'eventId', where),
    detailType: event.detailType,
    event,
    email: readString(item, 'email', where),
    token: readString(item, 'token', where),
    sequence: readNumber(item, 'sequence', where),
    statusAt: readString(item, 'statusAt', where),
    observedAt: readString(item, 'observedAt', where),
    expiresAt: readNumber(item, TTL_ATTRIBUTE, where),
    form: readOptionalString(item, FORM_ATTRIBUTE, where),
  };
}
