/**
 * A tracked message, as the store keeps it and the use cases and the lifecycle
 * read it: domain types, no I/O (the ports that move them are in `shared/ports.ts`).
 */
import type { SendReason } from '../calendar/commercial-hold.ts';
import type { CatalogEvent } from '../catalog/events.ts';
import type { FailureStreak } from '../lifecycle/poll-failure.ts';
import type { Metadata, RecipientState } from '../model.ts';

/**
 * Where a message stands: `active` while polled; the others are final.
 * `completed`: every recipient final; `expired`: tracking window ran out;
 * `not-found`: the provider never knew it; `untracked`: stopped by a user.
 */
export type TrackingState = 'active' | 'completed' | 'expired' | 'not-found' | 'untracked';

/** A tracked message as stored. */
export interface TrackedMessage {
  readonly messageId: string;
  readonly metadata: Metadata;
  /** ISO 8601. */
  readonly trackedAt: string;
  /** ISO 8601: when the message should next be polled. */
  readonly nextPollAt: string;
  /** ISO 8601 of the last poll, null before the first. */
  readonly lastPolledAt: string | null;
  readonly active: boolean;
  readonly state: TrackingState;
  /** ISO 8601: the scheduled send time given when tracking; null when sent when tracked. */
  readonly sendAt: string | null;
  /** ISO 8601: when the mail is expected to leave (after the commercial hold). */
  readonly expectedSendAt: string;
  /** Why it leaves then: sent now, scheduled, or held by the commercial hold. */
  readonly sendReason: SendReason;
  /** ISO 8601: when tracking ended (null while active, or for endings stored before this field). */
  readonly endedAt: string | null;
  /** Set while its polls keep failing: the kind, how many in a row, since when. */
  readonly failure?: FailureStreak;
}

/**
 * A message loaded from the store: its recipients' committed states and the
 * events that were committed but not yet confirmed as published (the outbox).
 * `version` is opaque to callers and is handed back on commit (optimistic
 * concurrency).
 */
export interface LoadedMessage {
  readonly message: TrackedMessage;
  /** Keyed by `recipientKey()`. */
  readonly recipients: ReadonlyMap<string, RecipientState>;
  /** Committed, not yet published events, in commit order. */
  readonly outbox: readonly CatalogEvent[];
  readonly version: unknown;
}
