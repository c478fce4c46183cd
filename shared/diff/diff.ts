/**
 * The pure diff: what the store remembers + one `bulk-status` reply → the
 * recipients' new states and the catalog events describing each change.
 *
 * No I/O, no clock (the observation time is an argument), no randomness: the
 * same input always gives the same output, ids included. That is what lets the
 * sync re-derive a lost transition after a crash with the same eventId.
 */
import {
  type RecipientEvent,
  type RecipientEventDetail,
  recipientEventDetail,
} from '../catalog/events.ts';
import {
  type BulkStatus,
  type Metadata,
  type RecipientReport,
  type RecipientState,
  recipientKey,
} from '../model.ts';
import { InvalidObservationTimeError, ReplyMismatchError } from './errors.ts';
import { eventIdFor } from './event-id.ts';
import { mergeDuplicateRows } from './merge-rows.ts';
import { classifyStatus, normalizeStatus } from './status.ts';

/** What the diff needs besides the two states it compares. */
export interface DiffContext {
  /** The tracked messageId; every event carries it. */
  readonly messageId: string;
  /** Echoed in every event. */
  readonly metadata: Metadata;
  /** When this reply was received (the poll's clock reading). */
  readonly observedAt: Date;
}

export interface DiffResult {
  /** New states of the recipients that changed, keyed by `recipientKey()`. */
  readonly changed: Map<string, RecipientState>;
  /**
   * Catalog events, recipients in the order the reply lists them, each
   * recipient's events by sequence.
   */
  readonly events: RecipientEvent[];
}

/** One event to emit for a recipient, before ids and sequences are assigned. */
interface Step {
  readonly detailType: RecipientEvent['detailType'];
  readonly status: string;
}

/**
 * Compares each recipient of `reply` with its committed state in `previous`
 * (keyed by `recipientKey()`) and returns the changes.
 *
 * What counts as a change, and the events it gives:
 *
 * | situation | events (in this order) |
 * | --- | --- |
 * | first sight | one event classified from its status (`classifyStatus`), sequence 1, `previousStatus` null |
 * | first sight with `stopMail` true | the above, then `RecipientUnsubscribed` |
 * | status differs once normalised | one event classified from the new status |
 * | `stopMail` false → true | `RecipientUnsubscribed` |
 * | `stopMail` true → false | `RecipientStatusChanged` |
 * | status and `stopMail` both change | the status event, then the `stopMail` event |
 * | only case/spacing of the status, `cost` or `date` differ | nothing |
 * | recipient in `previous` but absent from the reply | nothing: its state is kept |
 *
 * Design choices a consumer can rely on:
 * - **Every `stopMail` flip has an event of its own**, with `status` and
 *   `previousStatus` both the current status. Turning true is
 *   `RecipientUnsubscribed`; turning false (the address was taken off the
 *   unsubscribe list) is `RecipientStatusChanged` with `stopMail: false`, so a
 *   consumer that keeps a suppression list learns about it instead of holding a
 *   stale "unsubscribed" forever. It is a separate event even when the status
 *   changed in the same reply, so filtering on detail-type alone never misses one.
 * - **Every event carries the recipient as observed now**: `stopMail` and `cost`
 *   from this reply, also on a status event followed by a `stopMail` event.
 * - **The state is exactly what the last event said.** A status that differs
 *   only by case or spacing ('Delivered' → 'DELIVERED') is not a change and the
 *   stored raw status stays the old string. A `cost` or `date` that changes
 *   alone is not an event either, and the state keeps its old values, so the
 *   store writes nothing and the audit trail holds every value consumers saw.
 * - `statusAt` is the provider's time for the reply row, or `observedAt` when the
 *   provider gave none (or one the catalog's ISO 8601 format cannot carry); a
 *   `cost` that is not a finite number becomes null. The diff never emits an
 *   event the catalog would refuse: such an event would sit in the outbox forever.
 * - A recipient listed twice in one reply (same `recipientKey()`): its rows are
 *   merged by `mergeReports` (merge-rows.ts: `stopMail` true wins, the more advanced
 *   status wins, else the later row), at the first row's position. The
 *   MailPartner client already does so; the diff does not rely on it. A reply
 *   repeated verbatim never produces events.
 * - `sequence` continues from the stored state (1 on first sight), gapless;
 *   `eventId` is {@link eventIdFor} of the transition, so diffing the same
 *   previous state and reply again yields the same ids.
 *
 * Linear in the number of recipients: one lookup in `previous` per row, never a
 * scan; 100,000 first sightings take a few hundred milliseconds, most of it
 * hashing ids.
 *
 * @throws {ReplyMismatchError} when `reply.messageId` is set and is not
 *   `ctx.messageId`. The MailPartner client sets it to the id it asked about, so
 *   this means a caller mixed up replies; publishing another message's statuses
 *   under this one would misinform consumers.
 * @throws {InvalidObservationTimeError} when `ctx.observedAt` is an invalid Date.
 */
export function diffRecipients(
  previous: ReadonlyMap<string, RecipientState>,
  reply: BulkStatus,
  ctx: DiffContext,
): DiffResult {
  if (Number.isNaN(ctx.observedAt.getTime())) throw new InvalidObservationTimeError();
  if (reply.messageId !== '' && reply.messageId !== ctx.messageId) {
    throw new ReplyMismatchError(ctx.messageId, reply.messageId);
  }
  const observedAt = ctx.observedAt.toISOString();
  // One copy shared by this diff's events: a caller mutating its object later
  // cannot change what was derived.
  const metadata: Record<string, string> = { ...ctx.metadata };

  // Map keeps the position of the first row, so events follow the reply's order.
  const latest = mergeDuplicateRows(reply.recipients, recipientKey);

  const changed = new Map<string, RecipientState>();
  const events: RecipientEvent[] = [];
  for (const [key, report] of latest) {
    const before = previous.get(key);
    const steps = stepsFor(before, report);
    if (steps.length === 0) continue;

    const cost = Number.isFinite(report.cost) ? report.cost : null;
    const statusAt = isoOrNull(report.statusAt) ?? observedAt;
    let sequence = before?.sequence ?? 0;
    let previousStatus = before?.status ?? null;
    let eventId = '';
    for (const step of steps) {
      sequence += 1;
      eventId = eventIdFor({
        messageId: ctx.messageId,
        recipientKey: key,
        sequence,
        detailType: step.detailType,
        previousStatus,
        status: step.status,
        stopMail: report.stopMail,
      });
      const detail: RecipientEventDetail = {
        eventId,
        messageId: ctx.messageId,
        email: report.email,
        token: report.token,
        status: step.status,
        previousStatus,
        cost,
        stopMail: report.stopMail,
        statusAt,
        observedAt,
        sequence,
        metadata,
      };
      events.push({ detailType: step.detailType, detail });
      previousStatus = step.status;
    }
    changed.set(key, {
      email: report.email,
      token: report.token,
      status: previousStatus as string,
      stopMail: report.stopMail,
      cost,
      statusAt,
      sequence,
      lastEventId: eventId,
    });
  }
  return { changed, events };
}

/** The events one recipient's row calls for, in order; empty when nothing changed. */
function stepsFor(before: RecipientState | undefined, report: RecipientReport): Step[] {
  if (!before) {
    const first: Step = { detailType: classifyStatus(report.status), status: report.status };
    return report.stopMail
      ? [first, { detailType: 'RecipientUnsubscribed', status: report.status }]
      : [first];
  }
  const steps: Step[] = [];
  let status = before.status;
  if (status !== report.status && normalizeStatus(status) !== normalizeStatus(report.status)) {
    status = report.status;
    steps.push({ detailType: classifyStatus(status), status });
  }
  if (report.stopMail !== before.stopMail) {
    steps.push({
      detailType: report.stopMail ? 'RecipientUnsubscribed' : 'RecipientStatusChanged',
      status,
    });
  }
  return steps;
}

/** The catalog's own rule for `statusAt`, so the diff cannot emit a time the publisher would refuse. */
const catalogStatusAt = recipientEventDetail.shape.statusAt;

/** `value` when the catalog accepts it as `statusAt`, else null. */
function isoOrNull(value: string | null): string | null {
  return value !== null && catalogStatusAt.safeParse(value).success ? value : null;
}
