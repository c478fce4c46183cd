/**
 * Fan-out dispatcher: once a minute, finds due messages (at most the provider
 * budget) and enqueues them for the workers. Does not talk to MailPartner.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import { SQSClient } from '@aws-sdk/client-sqs';
import middy from '@middy/core';
import { storeClientSettings } from '../runtime/aws-client-settings.ts';
import { lazyHandler } from '../runtime/lazy-handler.ts';
import { createRuntime } from '../runtime/runtime.ts';
import {
  addMetric,
  LOG_MESSAGES,
  METRICS_NAMESPACE,
  SERVICES,
} from '../shared/catalog/telemetry.ts';
import { ENV, loadConfig } from '../shared/config.ts';
import type { StatusStore, WorkQueue } from '../shared/ports.ts';
import { SqsWorkQueue } from '../shared/queue/sqs-work-queue.ts';
import { type DispatchSummary, dispatchDue } from '../shared/sync/dispatch.ts';

export interface DispatcherDeps {
  readonly store: Pick<StatusStore, 'listDue'>;
  readonly queue: WorkQueue;
  readonly budgetPerMinute: number;
  readonly clock: () => Date;
  readonly logger: Logger;
  readonly metrics: Metrics;
}

export function createDispatcherHandler(deps: DispatcherDeps) {
  const dispatch = async (): Promise<DispatchSummary> => {
    const summary = await dispatchDue(deps, deps.clock(), {
      budgetPerMinute: deps.budgetPerMinute,
    });
    addMetric(deps.metrics, 'MessagesDispatched', summary.enqueued);
    addMetric(deps.metrics, 'DispatchFailures', summary.failed);
    deps.logger.info(LOG_MESSAGES.dispatchSummary, { summary });
    if (summary.capped) deps.logger.warn('more messages due than the budget; the rest wait', {});
    return summary;
  };
  return middy(dispatch).use(injectLambdaContext(deps.logger)).use(logMetrics(deps.metrics));
}

function defaultDeps(): DispatcherDeps {
  const config = loadConfig(process.env);
  const runtime = createRuntime(config);
  const queueUrl = process.env[ENV.WORK_QUEUE_URL];
  if (!queueUrl) {
    throw new Error(`${ENV.WORK_QUEUE_URL} is not set: the dispatcher needs the work queue`);
  }
  return {
    store: runtime.store,
    queue: new SqsWorkQueue({
      client: new SQSClient({ region: config.region, ...storeClientSettings() }),
      queueUrl,
    }),
    budgetPerMinute: config.budgetPerMinute,
    clock: () => new Date(),
    logger: new Logger(),
    metrics: new Metrics({ namespace: METRICS_NAMESPACE, serviceName: SERVICES.dispatcher }),
  };
}

export const handler = lazyHandler(() => createDispatcherHandler(defaultDeps()));
