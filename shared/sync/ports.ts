/**
 * What the sync use case needs from the outside world. The DynamoDB store
 * (`shared/store/`) and the EventBridge publisher (`shared/publisher/`) implement
 * these; tests may pass in-process fakes that honour the same contracts.
 */
import type { SendPlan, SendReason } from '../calendar/commercial-hold.ts';
import type { CatalogEvent, DetailType, MessageEvent, RecipientEvent } from '../catalog/events.ts';
import type { FailureStreak } from '../lifecycle/poll-failure.ts';
import type { BulkStatus, Metadata, RecipientState } from '../model.ts';

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

export interface CommitInput {
  /** New states of the recipients that changed (keyed by `recipientKey()`). */
  readonly changed: ReadonlyMap<string, RecipientState>;
  /** The events describing those changes, in order; they join the outbox atomically. */
  readonly events: readonly RecipientEvent[];
  /** ISO 8601 time of the poll these changes come from. */
  readonly observedAt: string;
}

/** What `recordPoll` notes besides the poll time and the next one. */
export interface PollRecord {
  /** The mail was seen leaving before its expected send time. */
  readonly leftEarlyAt?: Date;
  /** The poll failed: the streak it is now part of. */
  readonly failure?: FailureStreak;
  /** The poll succeeded after failures: forget the streak. */
  readonly clearFailure?: boolean;
}

/** How a message is tracked, beyond its id and metadata. */
export interface TrackOptions {
  /** When the mail is expected to leave; default: sent when tracked. */
  readonly send?: SendPlan;
  /**
   * When the request to track was made (a TrackMessage event's time); an ended
   * message restarts only for a request made after it ended. Default: now.
   */
  readonly requestedAt?: Date;
}

export interface TrackResult {
  /** True when tracking started now (a new message, or an ended one tracked again). */
  readonly created: boolean;
  /** True when an ended message was tracked again (its recipients' chains go on). */
  readonly restarted: boolean;
  readonly message: TrackedMessage;
}

export interface StatusStore {
  /**
   * Starts tracking; tracking an active id changes nothing and returns
   * created=false. Tracking an ended one restarts it (created and restarted
   * true) when the request came after the ending. `started` (the
   * MessageTrackingStarted event) joins the message's outbox atomically.
   */
  track(
    messageId: string,
    metadata: Metadata,
    now: Date,
    started?: (message: TrackedMessage) => MessageEvent,
    options?: TrackOptions,
  ): Promise<TrackResult>;
  /**
   * Ends tracking (completed, expired, not found) and puts the message-level
   * events announcing it in the outbox, in one conditional write. Null when the
   * message was already finished or changed meanwhile (nothing written).
   */
  finish(
    loaded: LoadedMessage,
    state: Exclude<TrackingState, 'active'>,
    events: readonly MessageEvent[],
    at: Date,
  ): Promise<LoadedMessage | null>;
  /**
   * Messages whose nextPollAt <= now (all indexed ones when `force`), oldest due
   * first: active ones, and ended ones whose outbox still needs a flush.
   */
  listDue(now: Date, options?: { force?: boolean; limit?: number }): Promise<TrackedMessage[]>;
  /** The message with its recipients and outbox; null when not tracked. */
  load(messageId: string): Promise<LoadedMessage | null>;
  /**
   * Atomically (per storage unit) records new recipient states together with their
   * events in the outbox. Conditional on `loaded.version`: throws
   * `ConcurrentUpdateError` when another poller committed first; nothing of this
   * commit is then visible. Returns the message as it now stands.
   */
  commit(loaded: LoadedMessage, input: CommitInput): Promise<LoadedMessage>;
  /** Writes one audit record per event: the store hands them to its `AuditLog`. */
  writeAudit(messageId: string, events: readonly CatalogEvent[]): Promise<void>;
  /** Removes these events from the outbox once the bus has accepted them. */
  markPublished(loaded: LoadedMessage, eventIds: readonly string[]): Promise<LoadedMessage>;
  /**
   * Takes an ended message out of the due index, only if its outbox is empty
   * and unchanged since `loaded`; returns whether it did.
   */
  retire(loaded: LoadedMessage): Promise<boolean>;
  /**
   * Records that a poll happened and when the next one is due. `leftEarlyAt`:
   * the mail was seen leaving before its expected send time; it becomes the
   * expected send time (reason `now`), so the lifecycle counts from it.
   * `failure` / `clearFailure`: the failure streak (see `lifecycle/poll-failure.ts`).
   */
  recordPoll(
    messageId: string,
    polledAt: Date,
    nextPollAt: Date,
    options?: PollRecord,
  ): Promise<void>;
}

/** One audit record as `AuditLog.history` returns it. */
export interface AuditRecord {
  readonly eventId: string;
  readonly detailType: DetailType;
  /** The event as it was committed. */
  readonly event: CatalogEvent;
  readonly email: string;
  readonly token: string;
  readonly sequence: number;
  /** ISO 8601. */
  readonly statusAt: string;
  /** ISO 8601. */
  readonly observedAt: string;
  /** Epoch seconds after which DynamoDB TTL may delete the record. */
  readonly expiresAt: number;
}

/**
 * The audit trail: one record per event the product commits, kept for a
 * retention period. The outbox flush writes it (through `StatusStore.writeAudit`)
 * before publishing; replay and the CLI's history read it.
 */
export interface AuditLog {
  /** Writes one audit record per event (idempotent: same eventId, same record). */
  writeAudit(messageId: string, events: readonly CatalogEvent[]): Promise<void>;
  /** Records of a message (optionally of one address), by email, token, then sequence. */
  history(messageId: string, options?: { email?: string }): Promise<AuditRecord[]>;
}

export interface PublishResult {
  /** eventIds the bus accepted. */
  readonly accepted: readonly string[];
  /** Events still refused after retries, with the bus's reason. */
  readonly failed: readonly {
    readonly eventId: string;
    readonly errorCode: string;
    readonly errorMessage: string;
  }[];
}

export interface EventPublisher {
  /** Puts catalog events on the bus; never throws for per-entry failures, reports them. */
  publish(events: readonly CatalogEvent[]): Promise<PublishResult>;
}

export interface StatusProvider {
  bulkStatus(messageId: string, options?: { signal?: AbortSignal }): Promise<BulkStatus>;
}
