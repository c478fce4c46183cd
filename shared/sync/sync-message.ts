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
 *
 * A large message runs diff ──▶ COMMIT ──▶ audit ──▶ PutEvents ──▶ markPublished
 * once per group of 500 recipients (`commitGroups`), each group as above: a
 * crash inside group k leaves groups before it committed (and published, or in
 * the outbox), and groups after it to the next poll, which re-derives them.
 */
import type { CatalogEvent } from '../catalog/events.ts';
import { diffRecipients } from '../diff/diff.ts';
import type { LoadedMessage, TrackedMessage, TrackingState } from '../domain/tracked-message.ts';
import type { ErrorKind } from '../errors.ts';
import {
  messageNotFound,
  trackingCompleted,
  trackingExpired,
} from '../lifecycle/message-events.ts';
import { carryFinal, type Decision, decide } from '../lifecycle/policy.ts';
import type { BulkStatus } from '../model.ts';
import type { SyncDeps } from '../ports.ts';
import { withoutForgotten } from '../privacy/forgotten.ts';
import { classifyError, errorMessage } from './error-kind.ts';
import { OutboxStuck } from './errors.ts';
import { flush } from './flush.ts';
import { type FailureRecord, recordFailure } from './record-failure.ts';
import { replyGroups } from './reply-groups.ts';

interface OutcomeBase {
  readonly messageId: string;
  /** Outbox events from earlier cycles published now. */
  readonly recovered: number;
  /** Set when this sync ended the tracking (or flushed an ended message). */
  readonly finished: Exclude<TrackingState, 'active'> | null;
}

export type MessageOutcome =
  | (OutcomeBase & { readonly kind: 'unchanged' })
  | (OutcomeBase & {
      readonly kind: 'changed';
      readonly changes: number;
      readonly published: number;
      /** Events still in the outbox after this sync (retried next cycle). */
      readonly pending: number;
      /**
       * The events this sync committed, the first `OUTCOME_EVENTS` of them:
       * every one for a message of up to 1,000 recipients; a larger message
       * is synced group by group and keeps only these (`omittedEvents` more).
       */
      readonly events: readonly CatalogEvent[];
      /** Events committed but not listed in `events` (0 unless over `OUTCOME_EVENTS`). */
      readonly omittedEvents: number;
    })
  | (OutcomeBase & {
      readonly kind: 'error';
      readonly errorKind: ErrorKind;
      readonly message: string;
      readonly error: unknown;
      /** Polls in a row that failed this way (0 when not counted: not tracked, not found yet). */
      readonly failures: number;
      /** True when this failure made it a poison message (reported as MessagePollFailing). */
      readonly poisoned: boolean;
    });

/**
 * Syncs one message. Never throws for a per-message failure: it returns an
 * `error` outcome naming the kind, so one bad message never stops the cycle.
 * Configuration errors (rejected API key, missing table) are returned as
 * `configuration` and the cycle decides to stop.
 */
export async function syncMessage(
  deps: SyncDeps,
  messageId: string,
  options: {
    signal?: AbortSignal;
    /** The message as listed due (its failure streak, should loading fail). */
    listed?: TrackedMessage;
  } = {},
): Promise<MessageOutcome> {
  let recovered = 0;
  let loaded: LoadedMessage | null = null;
  const fail = (
    error: unknown,
    errorKind = classifyError(error),
    failure: FailureRecord | null = null,
  ): MessageOutcome => ({
    messageId,
    kind: 'error',
    errorKind,
    message: errorMessage(error),
    recovered,
    finished: null,
    error,
    failures: failure?.streak.count ?? 0,
    poisoned: failure?.poisoned ?? false,
  });
  try {
    loaded = await deps.store.load(messageId);
    if (!loaded) return fail(new Error(`message ${messageId} is not tracked`), 'not-tracked');

    // Leftovers of an earlier crash or failed publish go first, with their ids.
    const old = await drain(deps, loaded);
    recovered = old.published;
    loaded = old.loaded;

    if (!loaded.message.active) {
      // Ended (completed, expired, untracked...): its last events are out, so it
      // leaves the due index (unless a concurrent ending added one meanwhile).
      await deps.store.retire(loaded);
      const state = loaded.message.state as Exclude<TrackingState, 'active'>;
      return { messageId, kind: 'unchanged', recovered, finished: state };
    }

    let notFound: unknown = null;
    const now = deps.clock();
    let reply: BulkStatus | null = null;
    // Resolved before the poll: a process whose salt is not the deployment's stops here.
    const isForgotten = deps.forgotten ? await deps.forgotten() : null;
    try {
      reply = await deps.provider.bulkStatus(messageId, options);
      // Forgotten people leave the reply before the diff: never stored or published again.
      if (isForgotten) reply = withoutForgotten(reply, isForgotten);
    } catch (error) {
      if (classifyError(error) !== 'not-found') throw error;
      notFound = error;
    }
    const fresh = reply === null ? emptySync(loaded) : await commitGroups(deps, loaded, reply, now);
    reply = null; // the reply's rows are no longer needed: let them go before deciding
    loaded = fresh.loaded;
    const events = fresh.events;
    if (fresh.failure) {
      deps.log?.warn('events left in the outbox for the next cycle', {
        messageId,
        pending: fresh.pending,
        reason: fresh.failure,
      });
    }
    const m = loaded.message;
    const decision = decide(deps.policy, {
      now,
      trackedAt: new Date(m.trackedAt),
      send: {
        sendAt: m.sendAt === null ? null : new Date(m.sendAt),
        expectedSendAt: new Date(m.expectedSendAt),
        reason: m.sendReason,
      },
      recipients: loaded.recipients.values(),
      notFound: notFound !== null,
    });
    const finished = await applyDecision(deps, loaded, decision, now);

    // Code 4 right after sending is normal: reported, retried on schedule.
    if (notFound !== null && !finished) return fail(notFound, 'not-found');
    if (fresh.changes === 0) return { messageId, kind: 'unchanged', recovered, finished };
    return {
      messageId,
      kind: 'changed',
      changes: fresh.changes,
      published: fresh.published,
      pending: fresh.pending,
      recovered,
      finished,
      events,
      omittedEvents: fresh.changes - events.length,
    };
  } catch (error) {
    const errorKind = classifyError(error);
    // Stopped because another message hit a stop condition: not this message's failure.
    if (options.signal?.aborted) return fail(error, errorKind);
    // Whatever went wrong, the message moves down the due index and backs off.
    const known = loaded?.message ?? options.listed ?? null;
    const failure = await recordFailure(deps, messageId, known, errorKind, errorMessage(error));
    return fail(error, errorKind, failure);
  }
}

/**
 * Most events an outcome lists. Holding every event of a 100,000-recipient
 * sync for the outcome took 55 MB, as much as the message's whole state; a
 * message of up to 1,000 recipients (two events each at most) lists them all.
 */
export const OUTCOME_EVENTS = 2_000;

interface GroupsResult {
  readonly loaded: LoadedMessage;
  /** Events committed by this sync. */
  readonly changes: number;
  readonly events: CatalogEvent[];
  readonly published: number;
  /** Committed events left in the outbox (a refused publish stopped the sync). */
  readonly pending: number;
  readonly failure: string | null;
}

function emptySync(loaded: LoadedMessage): GroupsResult {
  return { loaded, changes: 0, events: [], published: 0, pending: 0, failure: null };
}

/**
 * Diffs, commits and publishes the reply group by group (`reply-groups.ts`):
 * each group's changes are committed with their events (per state chunk,
 * atomically), then audited, published and removed from the outbox before
 * the next group is diffed, so only one group's events are held at a time.
 *
 * A refused publish stops here: the groups after it are not committed, and
 * the next sync, which first flushes what is left in the outbox, polls again
 * and derives them (same ids). A crash between two groups leaves the earlier
 * ones committed and published, the later ones to the next poll, as a crash
 * before COMMIT does for a whole message.
 */
async function commitGroups(
  deps: SyncDeps,
  start: LoadedMessage,
  reply: BulkStatus,
  now: Date,
): Promise<GroupsResult> {
  const ctx = {
    messageId: start.message.messageId,
    metadata: start.message.metadata,
    observedAt: now,
  };
  // The reply's messageId and the clock are checked before anything is committed.
  diffRecipients(start.recipients, { messageId: reply.messageId, recipients: [] }, ctx);
  let loaded = start;
  let changes = 0;
  let published = 0;
  const events: CatalogEvent[] = [];
  for (const rows of replyGroups(loaded.recipients, reply.recipients)) {
    const diff = diffRecipients(
      loaded.recipients,
      { messageId: reply.messageId, recipients: rows },
      ctx,
    );
    if (diff.events.length === 0) continue;
    loaded = await deps.store.commit(loaded, {
      changed: carryFinal(deps.policy, loaded.recipients, diff.changed),
      events: diff.events,
      observedAt: now.toISOString(),
    });
    changes += diff.events.length;
    for (const event of diff.events) if (events.length < OUTCOME_EVENTS) events.push(event);
    const out = await flush(deps, loaded);
    loaded = out.loaded;
    published += out.published;
    if (out.failure) {
      return { loaded, changes, events, published, pending: out.pending, failure: out.failure };
    }
  }
  return { loaded, changes, events, published, pending: 0, failure: null };
}

/**
 * Flushes the outbox until it is seen empty. A flush whose removal found the
 * message moved on returns it reloaded, and the reload may hold events another
 * poller committed meanwhile (an ending it could not publish, say): those go
 * out now too, so nothing is left behind when the message is then retired.
 *
 * @throws OutboxStuck when events stay unpublished: do not poll on top of them.
 */
async function drain(
  deps: SyncDeps,
  loaded: LoadedMessage,
): Promise<{ loaded: LoadedMessage; published: number }> {
  let current = loaded;
  let published = 0;
  for (let round = 0; round < 3 && current.outbox.length > 0; round++) {
    const out = await flush(deps, current);
    published += out.published;
    if (out.pending > 0) throw new OutboxStuck(out.pending, out.failure ?? 'unknown');
    current = out.loaded;
  }
  if (current.outbox.length > 0) {
    throw new OutboxStuck(
      current.outbox.length,
      'the outbox kept changing under concurrent pollers',
    );
  }
  return { loaded: current, published };
}

/**
 * Schedules the next poll, or ends tracking: the ending state and its event
 * are written together, then published (or left in the outbox for the next
 * cycle, which retires the message once they are out).
 */
async function applyDecision(
  deps: SyncDeps,
  loaded: LoadedMessage,
  decision: Decision,
  now: Date,
): Promise<Exclude<TrackingState, 'active'> | null> {
  const messageId = loaded.message.messageId;
  if (decision.kind === 'continue') {
    await deps.store.recordPoll(messageId, now, decision.nextPollAt, {
      ...(decision.leftEarlyAt ? { leftEarlyAt: decision.leftEarlyAt } : {}),
      ...(loaded.message.failure ? { clearFailure: true } : {}),
    });
    return null;
  }
  const recipients = [...loaded.recipients.values()];
  const [state, event] =
    decision.kind === 'completed'
      ? (['completed', trackingCompleted(loaded.message, recipients, now)] as const)
      : decision.kind === 'expired'
        ? (['expired', trackingExpired(loaded.message, recipients, decision.pending, now)] as const)
        : (['not-found', messageNotFound(loaded.message, now)] as const);
  const ended = await deps.store.finish(loaded, state, [event], now);
  if (!ended) return null; // another poller ended it first
  const out = await flush(deps, ended);
  if (out.pending === 0) await deps.store.retire(out.loaded);
  deps.log?.info('tracking ended', { messageId, state });
  return state;
}
