/**
 * Syncs one tracked message: poll → pure diff → commit (state + outbox) → audit →
 * publish → mark published.
 *
 * The order of writes is the delivery guarantee. Timeline of one sync:
 *
 *   load ──▶ flush old outbox ──▶ poll ──▶ diff ──▶ COMMIT ──▶ audit ──▶ PutEvents ──▶ markPublished
 *                                                    │
 *   crash before COMMIT: nothing was written and nothing published; the next cycle
 *     polls again and re-derives the same transitions (same ids) or newer ones.
 *   crash after COMMIT: the events sit in the outbox next to the state they describe;
 *     the next cycle flushes the outbox (same eventIds) before polling anything new.
 *   crash after PutEvents, before markPublished: the next cycle publishes them again
 *     with the same eventIds (at least once; consumers dedupe on eventId).
 *
 * A message with a non-empty outbox is never polled again until the outbox is
 * flushed, so the backlog is bounded and events leave in sequence order.
 */
import type { CatalogEvent } from '../catalog/events.ts';
import { diffRecipients } from '../diff/diff.ts';
import { classifyError, type ErrorKind, errorMessage } from './error-kind.ts';
import type { EventPublisher, LoadedMessage, StatusProvider, StatusStore } from './ports.ts';

/** Collaborators of a sync, all injected (the clock too). */
export interface SyncDeps {
  readonly provider: StatusProvider;
  readonly store: StatusStore;
  readonly publisher: EventPublisher;
  readonly clock: () => Date;
  /** When to poll a message next, given what this poll found. */
  readonly nextPollAt: (input: NextPollInput) => Date;
  readonly log?: SyncLogger;
}

export interface NextPollInput {
  readonly now: Date;
  readonly trackedAt: Date;
  readonly outcome: 'unchanged' | 'changed' | 'not-found' | 'error';
}

/** The subset of a structured logger the use case needs (Powertools' Logger fits). */
export interface SyncLogger {
  info(message: string, extra: Record<string, unknown>): void;
  warn(message: string, extra: Record<string, unknown>): void;
  error(message: string, extra: Record<string, unknown>): void;
}

export type MessageOutcome =
  | { readonly messageId: string; readonly kind: 'unchanged'; readonly recovered: number }
  | {
      readonly messageId: string;
      readonly kind: 'changed';
      readonly changes: number;
      readonly published: number;
      readonly recovered: number;
      /** Events still in the outbox after this sync (retried next cycle). */
      readonly pending: number;
      readonly events: readonly CatalogEvent[];
    }
  | {
      readonly messageId: string;
      readonly kind: 'error';
      readonly errorKind: ErrorKind;
      readonly message: string;
      readonly recovered: number;
      readonly error: unknown;
    };

/** Thrown when an outbox flush left events unpublished: do not poll on top of them. */
class OutboxStuck extends Error {
  constructor(
    readonly pending: number,
    readonly detail: string,
  ) {
    super(`${pending} committed event(s) could not be published yet: ${detail}`);
  }
}

interface FlushResult {
  readonly loaded: LoadedMessage;
  readonly published: number;
  readonly pending: number;
  readonly failure: string | null;
}

/** Writes the audit trail for the outbox, publishes it, and removes what the bus accepted. */
async function flush(deps: SyncDeps, loaded: LoadedMessage): Promise<FlushResult> {
  const events = loaded.outbox;
  if (events.length === 0) return { loaded, published: 0, pending: 0, failure: null };
  await deps.store.writeAudit(loaded.message.messageId, events);
  const result = await deps.publisher.publish(events);
  const after =
    result.accepted.length > 0 ? await deps.store.markPublished(loaded, result.accepted) : loaded;
  const first = result.failed[0];
  return {
    loaded: after,
    published: result.accepted.length,
    pending: result.failed.length,
    failure: first ? `${first.errorCode}: ${first.errorMessage}` : null,
  };
}

/**
 * Syncs one message. Never throws for a per-message failure: it returns an
 * `error` outcome naming the kind, so one bad message never stops the cycle.
 * Configuration errors (rejected API key, missing table) are returned as
 * `configuration` and the cycle decides to stop.
 */
export async function syncMessage(
  deps: SyncDeps,
  messageId: string,
  options: { signal?: AbortSignal } = {},
): Promise<MessageOutcome> {
  let recovered = 0;
  let trackedAt: Date | null = null;
  try {
    const initial = await deps.store.load(messageId);
    if (!initial) {
      return {
        messageId,
        kind: 'error',
        errorKind: 'not-tracked',
        message: `message ${messageId} is not tracked`,
        recovered,
        error: null,
      };
    }
    trackedAt = new Date(initial.message.trackedAt);

    // Leftovers of an earlier crash or failed publish go first, with their ids.
    const old = await flush(deps, initial);
    recovered = old.published;
    if (old.pending > 0) throw new OutboxStuck(old.pending, old.failure ?? 'unknown');

    const reply = await deps.provider.bulkStatus(messageId, options);
    const now = deps.clock();
    const { changed, events } = diffRecipients(old.loaded.recipients, reply, {
      messageId,
      metadata: old.loaded.message.metadata,
      observedAt: now,
    });

    if (events.length === 0) {
      await deps.store.recordPoll(
        messageId,
        now,
        deps.nextPollAt({ now, trackedAt, outcome: 'unchanged' }),
      );
      return { messageId, kind: 'unchanged', recovered };
    }

    const committed = await deps.store.commit(old.loaded, {
      changed,
      events,
      observedAt: now.toISOString(),
    });
    const fresh = await flush(deps, committed);
    await deps.store.recordPoll(
      messageId,
      now,
      deps.nextPollAt({ now, trackedAt, outcome: 'changed' }),
    );
    if (fresh.failure) {
      deps.log?.warn('events left in the outbox for the next cycle', {
        messageId,
        pending: fresh.pending,
        reason: fresh.failure,
      });
    }
    return {
      messageId,
      kind: 'changed',
      changes: events.length,
      published: fresh.published,
      pending: fresh.pending,
      recovered,
      events,
    };
  } catch (error) {
    const errorKind = error instanceof OutboxStuck ? 'publish' : classifyError(error);
    if (trackedAt && (errorKind === 'not-found' || errorKind === 'transient')) {
      // Best effort: keep the schedule moving so a failing message does not hog every cycle.
      const now = deps.clock();
      const outcome = errorKind === 'not-found' ? 'not-found' : 'error';
      await deps.store
        .recordPoll(messageId, now, deps.nextPollAt({ now, trackedAt, outcome }))
        .catch(() => undefined);
    }
    return {
      messageId,
      kind: 'error',
      errorKind,
      message: errorMessage(error),
      recovered,
      error,
    };
  }
}
