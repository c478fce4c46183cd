/**
 * Fan-out worker: syncs the messages the dispatcher put on the FIFO queue.
 * Partial batch failures are reported per message (`batchItemFailures`), so
 * one failing message is retried alone; the queue's redrive policy moves a
 * message that keeps failing to the DLQ.
 */

import { processPartialResponse, SqsFifoPartialProcessorAsync } from '@aws-lambda-powertools/batch';
import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy from '@middy/core';
import type { Context, SQSEvent, SQSRecord } from 'aws-lambda';
import { loadApiKey } from '../runtime/api-key.ts';
import { lazyHandler } from '../runtime/lazy-handler.ts';
import { createRuntime } from '../runtime/runtime.ts';
import {
  addMetric,
  DIMENSIONS,
  LOG_MESSAGES,
  METRICS_NAMESPACE,
  SERVICES,
} from '../shared/catalog/telemetry.ts';
import { loadConfig } from '../shared/config.ts';
import type { ErrorKind } from '../shared/errors.ts';
import type { SyncDeps } from '../shared/ports.ts';
import { parseWorkItemBody } from '../shared/queue/work-item-body.ts';
import { type MessageOutcome, syncMessage } from '../shared/sync/sync-message.ts';
import { throttledProvider } from '../shared/sync/throttled-provider.ts';

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

export interface WorkerDeps {
  readonly syncDeps: () => SyncDeps;
  readonly logger: Logger;
  /** Per-batch figures, as the poller reports per cycle (optional in tests). */
  readonly metrics?: Metrics;
}

export function createWorkerHandler(deps: WorkerDeps) {
  const record = async (r: SQSRecord) => {
    const item = parseWorkItemBody(r.body);
    if (!item.ok) {
      // A malformed work item will never succeed: log it and let it go (the batch reports success).
      deps.logger.error(LOG_MESSAGES.workItemRejected, {
        sqsMessageId: r.messageId,
        problem: item.problem,
      });
      return;
    }
    const outcome = await syncMessage(deps.syncDeps(), item.messageId);
    recordOutcome(deps.metrics, outcome);
    if (outcome.kind === 'error' && RETRY_KINDS.has(outcome.errorKind)) {
      deps.logger.warn(LOG_MESSAGES.workerSyncFailed, {
        messageId: outcome.messageId,
        errorKind: outcome.errorKind,
        reason: outcome.message,
      });
      throw new RetryLater(`${outcome.errorKind}: ${outcome.message}`);
    }
  };
  const work = (event: SQSEvent, context: Context) =>
    processPartialResponse(event, record, new SqsFifoPartialProcessorAsync(), {
      context,
      // Group = messageId: a failure holds back only that message.
      skipGroupOnError: true,
      throwOnFullBatchFailure: false,
    });
  const handler = middy(work).use(injectLambdaContext(deps.logger));
  return deps.metrics ? handler.use(logMetrics(deps.metrics)) : handler;
}

function recordOutcome(metrics: Metrics | undefined, o: MessageOutcome): void {
  if (!metrics) return;
  addMetric(metrics, 'MessagesPolled', 1);
  if (o.recovered > 0) addMetric(metrics, 'EventsPublished', o.recovered);
  if (o.kind === 'changed') {
    addMetric(metrics, 'StatusChanges', o.changes);
    addMetric(metrics, 'EventsPublished', o.published);
    addMetric(metrics, 'EventsPending', o.pending);
  } else if (o.kind === 'error') {
    const single = metrics.singleMetric();
    single.addDimension(DIMENSIONS.errorKind, o.errorKind);
    addMetric(single, 'SyncErrors', 1);
  }
}

function defaultDeps(): WorkerDeps {
  const logger = new Logger();
  const config = loadConfig(process.env);
  const runtime = createRuntime(config, { apiKey: () => loadApiKey() });
  const perMinute = config.budgetPerMinute / config.workerConcurrency;
  const base = runtime.syncDeps({ log: logger });
  const deps = { ...base, provider: throttledProvider(base.provider, { perMinute }) };
  const metrics = new Metrics({ namespace: METRICS_NAMESPACE, serviceName: SERVICES.worker });
  return { syncDeps: () => deps, logger, metrics };
}

export const handler = lazyHandler(() => createWorkerHandler(defaultDeps()));
