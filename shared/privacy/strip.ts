/**
 * Taking one person out of stored data, leaving everyone else as it was. Pure.
 *
 * A person appears in three shapes: as the recipient of a recipient event (the
 * whole event is theirs and goes), as an entry of a list in a message-level
 * event (`pending`, a snapshot's `recipients`: the entry goes, the event
 * stays), and as a recipient state (it goes). `metadata` is the user's, echoed
 * as attached, and is left alone.
 */
import { type CatalogEvent, isRecipientEvent } from '../catalog/events.ts';
import type { RecipientState } from '../model.ts';

/** Whether an `email` field (a plain address or a published pseudonym) is the person's. */
export type EmailMatch = (email: string) => boolean;

/** A copy of `value` without the list entries whose `email` matches; `removed` counts them. */
export function stripEntries<T>(value: T, matches: EmailMatch): { value: T; removed: number } {
  let removed = 0;
  const walk = (node: unknown): unknown => {
    if (Array.isArray(node)) {
      const kept = node.filter((item) => {
        const email = (item as { email?: unknown } | null)?.email;
        const drop = typeof item === 'object' && typeof email === 'string' && matches(email);
        if (drop) removed++;
        return !drop;
      });
      return kept.map(walk);
    }
    if (typeof node !== 'object' || node === null) return node;
    const copy: Record<string, unknown> = {};
    for (const [key, field] of Object.entries(node)) {
      // defineProperty, so that a key such as "__proto__" stays a plain key.
      Object.defineProperty(copy, key, {
        value: key === 'metadata' ? field : walk(field),
        enumerable: true,
        writable: true,
        configurable: true,
      });
    }
    return copy;
  };
  const out = walk(value) as T;
  return { value: removed === 0 ? value : out, removed };
}

/**
 * The event without the person: null when it is the person's own recipient
 * event, a copy without their list entries when it mentions them, the event
 * itself otherwise (`changed` false).
 */
export function stripEvent(
  event: CatalogEvent,
  matches: EmailMatch,
): { event: CatalogEvent | null; changed: boolean } {
  if (isRecipientEvent(event) && matches(event.detail.email)) return { event: null, changed: true };
  const { value, removed } = stripEntries(event.detail, matches);
  if (removed === 0) return { event, changed: false };
  return { event: { ...event, detail: value } as CatalogEvent, changed: true };
}

/** What {@link stripState} removed. */
export interface StrippedState<E> {
  readonly recipients: readonly RecipientState[];
  readonly outbox: readonly E[];
  readonly removedStates: number;
  /** Outbox events dropped or rewritten. */
  readonly changedEvents: number;
}

/** Recipient states and an outbox without the person (a state chunk's content). */
export function stripState<E extends CatalogEvent>(
  data: { readonly recipients: readonly RecipientState[]; readonly outbox: readonly E[] },
  matches: EmailMatch,
): StrippedState<E> {
  const recipients = data.recipients.filter((r) => !matches(r.email));
  const outbox: E[] = [];
  let changedEvents = 0;
  for (const event of data.outbox) {
    const out = stripEvent(event, matches);
    if (out.changed) changedEvents++;
    if (out.event !== null) outbox.push(out.event as E);
  }
  return {
    recipients,
    outbox,
    removedStates: data.recipients.length - recipients.length,
    changedEvents,
  };
}
