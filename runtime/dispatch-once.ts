/**
 * The dispatcher's use of the engine: one dispatch of the due messages onto
 * the work queue, its figures as metrics and log lines; and the SQS queue it
 * writes to, from the environment infra sets.
 */
import type { Logger } from '@aws-lambda-powertools/logger';
import type { Metrics } from '@aws-lambda-powertools/metrics';
import { SQSClient } from '@aws-sdk/client-sqs';
import { addMetric, LOG_MESSAGES } from '../shared/catalog/telemetry.ts';
import { type Config, ENV } from '../shared/config.ts';
import type { StatusStore, WorkQueue } from '../shared/ports.ts';
import { SqsWorkQueue } from '../shared/queue/sqs-work-queue.ts';
import { type DispatchSummary, dispatchDue } from '../shared/sync/dispatch.ts';
import { storeClientSettings } from './aws-client-settings.ts';

export interface DispatcherDeps {
  readonly store: Pick<StatusStore, 'listDue'>;
  readonly queue: WorkQueue;
  readonly budgetPerMinute: number;
  readonly clock: () => Date;
  readonly logger: Logger;
  readonly metrics: Metrics;
}

/** Enqueues what is due (at most the provider budget) and reports it. */
export async function dispatchOnce(deps: DispatcherDeps): Promise<DispatchSummary> {
  const summary = await dispatchDue(deps, deps.clock(), {
    budgetPerMinute: deps.budgetPerMinute,
  });
  addMetric(deps.metrics, 'MessagesDispatched', summary.enqueued);
  addMetric(deps.metrics, 'DispatchFailures', summary.failed);
  deps.logger.info(LOG_MESSAGES.dispatchSummary, { summary });
  if (summary.capped) deps.logger.warn('more messages due than the budget; the rest wait', {});
  return summary;
}

/** The work queue named by `WORK_QUEUE_URL`. @throws Error when it is not set. */
export function workQueueFromEnv(
  config: Config,
  env: Readonly<Record<string, string | undefined>>,
): WorkQueue {
  const queueUrl = env[ENV.WORK_QUEUE_URL];
  if (!queueUrl) {
    throw new Error(`${ENV.WORK_QUEUE_URL} is not set: the dispatcher needs the work queue`);
  }
  return new SqsWorkQueue({
    client: new SQSClient({ region: config.region, ...storeClientSettings() }),
    queueUrl,
  });
}
