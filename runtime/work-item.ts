/**
 * The worker's use of the engine: one SQS work item, one message synced. A
 * retryable outcome throws `RetryLater` (the batch reports that item for
 * redelivery); a body that is no work item throws `UnfixableWorkItemError`,
 * which the worker's `rejectUnfixable` middleware logs and settles.
 */
import type { Logger } from '@aws-lambda-powertools/logger';
import type { Metrics } from '@aws-lambda-powertools/metrics';
import middy from '@middy/core';
import type { SQSRecord } from 'aws-lambda';
import { LOG_MESSAGES } from '../shared/catalog/telemetry.ts';
import type { Config } from '../shared/config.ts';
import type { ErrorKind } from '../shared/errors.ts';
import type { SyncDeps, SyncLogger } from '../shared/ports.ts';
import { parseWorkItemBody } from '../shared/queue/work-item-body.ts';
import { type MessageOutcome, syncMessage } from '../shared/sync/sync-message.ts';
import { throttledProvider } from '../shared/sync/throttled-provider.ts';
import { type Rejection, rejectUnfixable } from './middlewares/reject-unfixable.ts';
import type { Runtime } from './runtime.ts';

/** Outcomes worth a redelivery; the others are settled by the schedule or are permanent. */
export const RETRY_KINDS: ReadonlySet<ErrorKind> = new Set([
  'transient',
  'rate-limited',
  'throttled',
  'conflict',
  'publish',
  'store',
  'unknown',
  'configuration',
]);

export class RetryLater extends Error {
  override readonly name = 'RetryLater';
}

/** A work item whose body can never be synced, however often SQS redelivers it. */
export class UnfixableWorkItemError extends Error {
  override readonly name = 'UnfixableWorkItemError';

  constructor(
    readonly sqsMessageId: string,
    /** What is wrong, never the body itself. */
    readonly problem: string,
  ) {
    super(`work item ${sqsMessageId}: ${problem}`);
  }
}

export interface WorkerDeps {
  readonly syncDeps: () => SyncDeps;
  readonly logger: Logger;
  /** Per-message figures, as the poller reports per cycle (optional in tests). */
  readonly metrics?: Metrics;
}

/**
 * Syncs the item's message, handing its outcome to `onOutcome` (the metrics tally).
 *
 * @throws UnfixableWorkItemError for a body that is no work item.
 * @throws RetryLater when the sync failed in a way a redelivery may fix.
 */
export async function syncWorkItem(
  deps: WorkerDeps,
  record: SQSRecord,
  onOutcome: (outcome: MessageOutcome) => void,
): Promise<void> {
  const item = parseWorkItemBody(record.body);
  if (!item.ok) throw new UnfixableWorkItemError(record.messageId, item.problem);
  const outcome = await syncMessage(deps.syncDeps(), item.messageId);
  onOutcome(outcome);
  if (outcome.kind === 'error' && RETRY_KINDS.has(outcome.errorKind)) {
    deps.logger.warn(LOG_MESSAGES.workerSyncFailed, {
      messageId: outcome.messageId,
      errorKind: outcome.errorKind,
      reason: outcome.message,
    });
    throw new RetryLater(`${outcome.errorKind}: ${outcome.message}`);
  }
}

/** The logged rejection of an unfixable work item; null for every other error. */
export function workItemRejection(error: unknown): Rejection | null {
  if (!(error instanceof UnfixableWorkItemError)) return null;
  return { fields: { sqsMessageId: error.sqsMessageId, problem: error.problem } };
}

/**
 * The batch processor's record handler: `syncWorkItem` in a middy chain whose
 * `rejectUnfixable` logs an unfixable item and settles it (the batch reports
 * success, so SQS neither redelivers it nor holds back its group).
 */
export function workItemHandler(deps: WorkerDeps, onOutcome: (outcome: MessageOutcome) => void) {
  return middy((record: SQSRecord) => syncWorkItem(deps, record, onOutcome)).use(
    rejectUnfixable({
      logger: deps.logger,
      message: LOG_MESSAGES.workItemRejected,
      level: 'error',
      settle: true,
      rejection: workItemRejection,
    }),
  );
}

/**
 * Sync collaborators of one worker: its share of the provider budget
 * (`budgetPerMinute / workerConcurrency` a minute), built once per instance.
 */
export function throttledSyncDeps(
  runtime: Pick<Runtime, 'syncDeps'>,
  config: Pick<Config, 'budgetPerMinute' | 'workerConcurrency'>,
  log: SyncLogger,
): () => SyncDeps {
  const perMinute = config.budgetPerMinute / config.workerConcurrency;
  const base = runtime.syncDeps({ log });
  const deps = { ...base, provider: throttledProvider(base.provider, { perMinute }) };
  // The forgotten recipients are read again at most every FORGOTTEN_REFRESH_MS
  // (a worker syncs one message per item, a cycle's worth per batch).
  let read = { at: Date.now(), forgotten: base.forgotten };
  return () => {
    if (Date.now() - read.at >= FORGOTTEN_REFRESH_MS) {
      read = { at: Date.now(), forgotten: runtime.syncDeps({ log }).forgotten };
    }
    return { ...deps, ...(read.forgotten ? { forgotten: read.forgotten } : {}) };
  };
}

/** How long a worker instance reuses its read of the forgotten recipients (one poll interval). */
export const FORGOTTEN_REFRESH_MS = 10_000;
