/**
 * The ports: everything the use cases (`shared/sync/`) need from the outside
 * world, in one place. The DynamoDB store and audit log (`shared/store/`), the
 * EventBridge publisher (`shared/publisher/`), the MailPartner client
 * (`shared/mailpartner/`) and the SQS work queue (`shared/queue/`) implement
 * them; tests may pass in-process fakes that honour the same contracts. The
 * domain types they speak of live in `shared/model.ts` and `shared/domain/`.
 */
import type { SendPlan } from './calendar/commercial-hold.ts';
import type { CatalogEvent, DetailType, MessageEvent, RecipientEvent } from './catalog/events.ts';
import type { LoadedMessage, TrackedMessage, TrackingState } from './domain/tracked-message.ts';
import type { LifecyclePolicy } from './lifecycle/policy.ts';
import type { FailureStreak } from './lifecycle/poll-failure.ts';
import type { BulkStatus, Metadata, RecipientState } from './model.ts';

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
  /**
   * The publication form `event` is in (`plain` or a salt fingerprint, see
   * privacy/publication.ts); null for records written before the audit kept
   * the published form (their event holds plain addresses).
   */
  readonly form: string | null;
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
  /**
   * Records of one person across every message, through the recipient index
   * (never a scan), oldest first; the address is matched normalised.
   */
  recipientHistory(email: string): Promise<AuditRecord[]>;
}

/**
 * The deployment's publication form (privacy/publication.ts), recorded once in
 * the table by the first process that creates events.
 */
export interface PublicationFormRecord {
  /** The recorded form; null before any process recorded one. */
  recordedForm(): Promise<string | null>;
  /** Records `form` unless a form is recorded already; returns the recorded form. */
  claimForm(form: string, at: Date): Promise<string>;
}

/** What one erasure removed (counts only: an erasure record never holds the address). */
export interface ErasureCounts {
  /** Messages that held the person anywhere. */
  readonly messages: number;
  /** Recipient states removed from state chunks. */
  readonly recipientStates: number;
  /** Unpublished events dropped from outboxes (the person's own, or lists rewritten). */
  readonly outboxEvents: number;
  /** The person's audit records deleted (their recipient-index entries go with them). */
  readonly auditRecordsDeleted: number;
  /** Message-level audit records rewritten without the person's entry. */
  readonly auditRecordsRewritten: number;
}

/** The forgotten people, by `Publication.recipientKey`: never stored or published again. */
export interface Tombstones {
  /** Every tombstone key (one Query, read once per cycle). */
  keys(): Promise<ReadonlySet<string>>;
  /** Adds a tombstone; false when the person was already forgotten. */
  add(key: string, at: Date): Promise<boolean>;
  /** Records that an erasure ran for this tombstone, and what it removed. */
  noteErasure(key: string, at: Date, counts: ErasureCounts): Promise<void>;
}

/** Who to erase, as the store sees addresses. */
export interface PersonMatch {
  /** Whether an address as stored (the provider's spelling) is the person's. */
  isPerson(email: string): boolean;
  /** The form an address takes in published events (audit records hold those). */
  publishedEmail(email: string): string;
}

/** Removes a person from every item of the table that holds them. */
export interface RecipientEraser {
  /** Idempotent: a second run finds nothing and returns zero counts. */
  erase(person: PersonMatch): Promise<ErasureCounts>;
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

/** One unit of work: sync this message. */
export interface WorkItem {
  readonly messageId: string;
  /**
   * Deduplication key: the same due instance dispatched twice (an overlapping or
   * retried dispatcher run) is delivered once by a FIFO queue.
   */
  readonly dedupId: string;
}

export interface WorkQueue {
  /** Enqueues items; reports which could not be enqueued after retries. */
  enqueue(items: readonly WorkItem[]): Promise<{ readonly failed: readonly string[] }>;
}

/** Collaborators of a sync, all injected (the clock too). */
export interface SyncDeps {
  readonly provider: StatusProvider;
  readonly store: StatusStore;
  readonly publisher: EventPublisher;
  readonly clock: () => Date;
  /** When to poll next and when tracking ends (see `shared/lifecycle/policy.ts`). */
  readonly policy: LifecyclePolicy;
  readonly log?: SyncLogger;
  /**
   * Whether an address belongs to a forgotten person (privacy/forget.ts): such
   * recipients are dropped from each reply before the diff, so they are never
   * stored or published again. Resolved once per cycle (the runtime memoises
   * it per `syncDeps()`); it also verifies this process's publication form.
   */
  readonly forgotten?: () => Promise<(email: string) => boolean>;
}

/** The subset of a structured logger the use case needs (Powertools' Logger fits). */
export interface SyncLogger {
  info(message: string, extra: Record<string, unknown>): void;
  warn(message: string, extra: Record<string, unknown>): void;
  error(message: string, extra: Record<string, unknown>): void;
}
