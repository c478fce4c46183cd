/**
 * Reading events stored before the store checked them against the catalog.
 *
 * Earlier versions counted raw statuses in a plain object, so a status such as
 * `constructor` or `toString` made an ending event whose `counts` the catalog
 * refuses, and that event was stored in META's outbox and the audit trail
 * before the publisher refused it: every later read of the message failed.
 * Such an event is rebuilt on read. Its counts are recomputed from the stored
 * recipients, which is exact: an ended message takes no more state (commits
 * require an active message), so they are the recipients it was counted from.
 * Everything else (its id, times, pending list) is kept as stored.
 */
import { type CatalogEvent, parseCatalogEvent } from '../catalog/events.ts';
import { countByStatus } from '../lifecycle/policy.ts';
import type { RecipientState } from '../model.ts';
import { CorruptItemError } from './errors.ts';

/** Ending events carry `counts`, the field the old code could corrupt. */
const REBUILDABLE = new Set(['MessageTrackingCompleted', 'MessageTrackingExpired']);

/** The event needs the message's recipients to be rebuilt (see `parseStoredEvent`). */
export class NeedsRecipientsError extends CorruptItemError {
  constructor(where: string, options?: ErrorOptions) {
    super(`Stored item ${where} holds an ending event with invalid counts`, options);
    this.name = 'NeedsRecipientsError';
  }
}

/**
 * Validates a stored event; an ending event with invalid counts is rebuilt
 * from `recipients`.
 *
 * @param recipients - every recipient of the message, or null when the caller
 *   has not loaded them (then such an event throws NeedsRecipientsError).
 * @throws CorruptItemError when the event cannot be read or rebuilt.
 */
export function parseStoredEvent(
  detailType: string,
  detail: unknown,
  recipients: readonly RecipientState[] | null,
  where: string,
): CatalogEvent {
  try {
    return parseCatalogEvent(detailType, detail);
  } catch (error) {
    const id = (detail as { eventId?: unknown } | null)?.eventId;
    const name = `${detailType} event ${typeof id === 'string' ? id : '(no id)'}`;
    if (!REBUILDABLE.has(detailType) || typeof detail !== 'object' || detail === null) {
      throw new CorruptItemError(
        `Stored item ${where} is corrupt: its ${name} does not match the event catalog; it cannot be rebuilt, so inspect the item and remove that event by hand`,
        { cause: error },
      );
    }
    if (recipients === null) throw new NeedsRecipientsError(where, { cause: error });
    try {
      return parseCatalogEvent(detailType, { ...detail, counts: countByStatus(recipients) });
    } catch (again) {
      throw new CorruptItemError(
        `Stored item ${where} is corrupt: its ${name} does not match the event catalog even with its counts recomputed; inspect the item and remove that event by hand`,
        { cause: again },
      );
    }
  }
}
