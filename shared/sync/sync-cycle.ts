/**
 * One sync cycle: every due message synced with bounded concurrency, so a slow or
 * failing message delays no other, and no new work started once the deadline is
 * near (a Lambda must return before it is killed).
 */
import pLimit from 'p-limit';
import { isRecipientEvent } from '../catalog/events.ts';
import type { ErrorKind } from '../errors.ts';
import type { SyncDeps } from '../ports.ts';
import { pickDue } from '../schedule/priority.ts';
import type { MessageOutcome } from './sync-message.ts';
import { syncMessage } from './sync-message.ts';

export interface CycleOptions {
  /** Treat every active message as due. */
  readonly force?: boolean;
  /** Messages synced at the same time (default 8). */
  readonly concurrency?: number;
  /** Epoch ms after which no new message is started (default: none). */
  readonly deadline?: number;
  /** At most this many messages per cycle (default: all due). */
  readonly limit?: number;
  /**
   * List up to this many due messages and sync the `limit` of them with the
   * highest priority (shared/schedule/priority.ts) instead of the oldest due.
   * Default: list only `limit`.
   */
  readonly candidates?: number;
  /** Called as each message finishes (the CLI and `npm start` print from it). */
  readonly onOutcome?: (outcome: MessageOutcome) => void;
}

export interface CycleSummary {
  readonly startedAt: string;
  readonly durationMs: number;
  /** Due messages listed (with `candidates`, more than were picked to sync). */
  readonly messagesDue: number;
  readonly messagesPolled: number;
  readonly unchanged: number;
  readonly changed: number;
  readonly changes: number;
  readonly eventsPublished: number;
  /** Events committed but not published this cycle; they stay in the outbox. */
  readonly eventsPending: number;
  /** Outbox events from earlier cycles published now. */
  readonly eventsRecovered: number;
  /** Not started: deadline reached, or stopped after a configuration error / 429. */
  readonly skipped: number;
  readonly errors: Readonly<Partial<Record<ErrorKind, number>>>;
  /**
   * Delay from a change's status time to the end of the cycle that published
   * it (recipient events only), ms, over `count` events (so cycles can be
   * merged); null when nothing was published.
   */
  readonly lagMs: { readonly mean: number; readonly max: number; readonly count?: number } | null;
  /** Set when the whole cycle stopped early because every call would fail the same way. */
  readonly stoppedBy: 'configuration' | 'rate-limited' | null;
  readonly outcomes: readonly MessageOutcome[];
}

/**
 * Runs one cycle. Never throws for per-message failures; they are counted in
 * `errors` by kind. A configuration error (rejected API key, missing table or bus)
 * or a 429 stops new work at once: every other call would fail the same way, and
 * hammering the provider makes it worse.
 */
export async function runCycle(deps: SyncDeps, options: CycleOptions = {}): Promise<CycleSummary> {
  const started = deps.clock();
  const listLimit =
    options.limit === undefined ? undefined : Math.max(options.limit, options.candidates ?? 0);
  const listed = await deps.store.listDue(started, {
    force: options.force ?? false,
    ...(listLimit === undefined ? {} : { limit: listLimit }),
  });
  const due =
    options.limit !== undefined && listed.length > options.limit
      ? pickDue(listed, started.getTime(), options.limit)
      : listed;
  const limit = pLimit(Math.max(1, options.concurrency ?? 8));
  const stop = new AbortController();
  let stoppedBy: CycleSummary['stoppedBy'] = null;
  let skipped = 0;
  const outcomes: MessageOutcome[] = [];

  await Promise.all(
    due.map((message) =>
      limit(async () => {
        const pastDeadline =
          options.deadline !== undefined && deps.clock().getTime() >= options.deadline;
        if (pastDeadline || stop.signal.aborted) {
          skipped += 1;
          return;
        }
        const outcome = await syncMessage(deps, message.messageId, {
          signal: stop.signal,
          listed: message,
        });
        if (outcome.kind === 'error' && stop.signal.aborted && !isStopCause(outcome.errorKind)) {
          // Aborted because another message hit a stop condition: not this message's fault.
          skipped += 1;
          return;
        }
        outcomes.push(outcome);
        options.onOutcome?.(outcome);
        if (outcome.kind === 'error' && isStopCause(outcome.errorKind) && !stoppedBy) {
          stoppedBy = outcome.errorKind as 'configuration' | 'rate-limited';
          stop.abort();
        }
      }),
    ),
  );

  // Due: every message listed, picked or not (the load the pressure reads).
  return summarise(started, deps.clock(), listed.length, outcomes, skipped, stoppedBy);
}

function isStopCause(kind: ErrorKind): boolean {
  return kind === 'configuration' || kind === 'rate-limited';
}

function summarise(
  started: Date,
  ended: Date,
  messagesDue: number,
  outcomes: readonly MessageOutcome[],
  skipped: number,
  stoppedBy: CycleSummary['stoppedBy'],
): CycleSummary {
  const errors: Partial<Record<ErrorKind, number>> = {};
  let unchanged = 0;
  let changed = 0;
  let changes = 0;
  let eventsPublished = 0;
  let eventsPending = 0;
  let eventsRecovered = 0;
  let lagSum = 0;
  let lagMax = 0;
  let lagCount = 0;
  for (const o of outcomes) {
    if (o.kind === 'changed') {
      for (const e of o.events) {
        if (!isRecipientEvent(e)) continue;
        const lag = Math.max(0, ended.getTime() - Date.parse(e.detail.statusAt));
        lagSum += lag;
        lagMax = Math.max(lagMax, lag);
        lagCount += 1;
      }
    }
    eventsRecovered += o.recovered;
    if (o.kind === 'unchanged') unchanged += 1;
    else if (o.kind === 'changed') {
      changed += 1;
      changes += o.changes;
      eventsPublished += o.published;
      eventsPending += o.pending;
    } else errors[o.errorKind] = (errors[o.errorKind] ?? 0) + 1;
  }
  return {
    startedAt: started.toISOString(),
    durationMs: ended.getTime() - started.getTime(),
    messagesDue,
    messagesPolled: outcomes.length,
    unchanged,
    changed,
    changes,
    eventsPublished,
    eventsPending,
    eventsRecovered,
    skipped,
    errors,
    lagMs:
      lagCount === 0 ? null : { mean: Math.round(lagSum / lagCount), max: lagMax, count: lagCount },
    stoppedBy,
    outcomes,
  };
}
