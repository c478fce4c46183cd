/**
 * Fan-out mode's scheduled part: the dispatcher only enqueues due messages;
 * workers sync them.
 *
 *   schedule rule ─▶ dispatcher ─▶ SQS FIFO work queue ─▶ workers (reserved concurrency N)
 *                     (due index)      └─▶ FIFO DLQ          │  ├─▶ MailPartner
 *                                                            │  └─▶ DynamoDB table
 *                                                            └─────▶ event bus
 *
 * Not a construct of its own: it creates its resources in the scope it is
 * given (the `MailPartnerStatusSync`), under the ids they always had, so that
 * their logical ids, and a deployed stack, do not change.
 */
import { Duration } from 'aws-cdk-lib';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import { SERVICES } from '../shared/catalog/telemetry.ts';
import { functionEnvironment } from '../shared/config.ts';
import { functionDefaults } from './bundling.ts';
import type { DeadLetterQueueRef } from './observed-metrics.ts';
import {
  type FanOutResources,
  type ScheduledPart,
  type ScheduleTicks,
  scheduleTicks,
} from './scheduled-part.ts';
import { functionLogGroup, RUNTIME_ENV, type SyncContext } from './sync-context.ts';
import {
  DEFAULT_WORKER_CONCURRENCY,
  DEFAULT_WORKER_TIMEOUT,
  VISIBILITY_TIMEOUT_FACTOR,
  WORK_MAX_RECEIVE_COUNT,
  WORKER_BATCH_SIZE,
  workerRequestsPerMinute,
} from './sync-props.ts';

/** The dispatcher reads at most budget + 1 due messages and sends them 10 at a time. */
const DISPATCHER_TIMEOUT = Duration.minutes(1);

/** Dispatcher, work queue and its DLQ, workers on an SQS event source; the dispatcher scheduled. */
export class FanOutPair implements ScheduledPart {
  readonly fanOut: FanOutResources;
  readonly scheduledFunction: NodejsFunction;
  readonly ticks: ScheduleTicks;
  readonly observed: ScheduledPart['observed'];
  readonly otherDeadLetterQueues: readonly DeadLetterQueueRef[];

  constructor(scope: Construct, ctx: SyncContext) {
    const { workers, workerTimeout } = checkWorkers(ctx);

    // --- work queue -------------------------------------------------------------
    const workDeadLetterQueue = new sqs.Queue(scope, 'WorkDeadLetterQueue', {
      fifo: true,
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    const workQueue = new sqs.Queue(scope, 'WorkQueue', {
      fifo: true,
      // The dispatcher gives each item its deduplication id (the due instance).
      contentBasedDeduplication: false,
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      visibilityTimeout: Duration.seconds(workerTimeout.toSeconds() * VISIBILITY_TIMEOUT_FACTOR),
      // An item only says "sync this message now"; one that waited a day is
      // stale, and the message is still due, so the dispatcher enqueues it again.
      retentionPeriod: Duration.days(1),
      deadLetterQueue: { queue: workDeadLetterQueue, maxReceiveCount: WORK_MAX_RECEIVE_COUNT },
    });

    // --- dispatcher -------------------------------------------------------------
    const dispatcherLogGroup = functionLogGroup(scope, 'DispatcherLogs', ctx);
    const dispatcherRole = ctx.permissions.role('DispatcherRole', 'dispatcher', dispatcherLogGroup);
    const dispatcher = new NodejsFunction(scope, 'Dispatcher', {
      ...functionDefaults('dispatcher'),
      description: 'mailpartner-status-sync: enqueues due messages for the workers',
      memorySize: 256,
      timeout: DISPATCHER_TIMEOUT,
      ...ctx.scheduledSettings,
      role: dispatcherRole,
      logGroup: dispatcherLogGroup,
      environment: functionEnvironment(
        SERVICES.dispatcher,
        {
          TABLE_NAME: ctx.table.tableName,
          WORK_QUEUE_URL: workQueue.queueUrl,
          PROVIDER_BUDGET_PER_MINUTE: ctx.budget,
          ...RUNTIME_ENV,
        },
        ctx.props.metricsNamespace,
      ),
    });
    ctx.permissions.grantDispatcher(dispatcherRole, workQueue);

    // --- worker -----------------------------------------------------------------
    const workerLogGroup = functionLogGroup(scope, 'WorkerLogs', ctx);
    const workerRole = ctx.permissions.role('WorkerRole', 'worker', workerLogGroup);
    const worker = new NodejsFunction(scope, 'Worker', {
      ...functionDefaults('worker'),
      description: 'mailpartner-status-sync: syncs the messages the dispatcher enqueued',
      memorySize: 512,
      timeout: workerTimeout,
      // N workers at most, each throttled to budget / N: all together within the budget.
      reservedConcurrentExecutions: workers,
      role: workerRole,
      logGroup: workerLogGroup,
      environment: functionEnvironment(
        SERVICES.worker,
        {
          ...ctx.syncEnv,
          WORKER_CONCURRENCY: workers,
          ...RUNTIME_ENV,
        },
        ctx.props.metricsNamespace,
      ),
    });
    ctx.permissions.grantWorker(workerRole);
    worker.addEventSource(
      new SqsEventSource(workQueue, {
        batchSize: WORKER_BATCH_SIZE,
        reportBatchItemFailures: true,
        // No more concurrent invocations than reserved: a throttled batch would
        // count as a receive and could reach the DLQ without ever running.
        maxConcurrency: workers,
      }),
    );

    this.fanOut = {
      dispatcher,
      dispatcherLogGroup,
      workQueue,
      workDeadLetterQueue,
      worker,
      workerLogGroup,
      workerConcurrency: workers,
      workerTimeout,
    };
    this.scheduledFunction = dispatcher;

    // --- schedule ---------------------------------------------------------------
    this.ticks = scheduleTicks(scope, {
      label: 'Dispatcher',
      ruleId: 'Dispatch',
      fn: dispatcher,
      pollRate: ctx.pollRate,
    });

    this.observed = {
      scheduled: {
        label: 'Dispatcher',
        fn: dispatcher,
        timeout: DISPATCHER_TIMEOUT,
        logGroup: dispatcherLogGroup,
      },
      fanOut: { worker, workerTimeout, workerLogGroup, workQueue },
    };
    this.otherDeadLetterQueues = [
      {
        label: 'WorkDeadLetterQueue',
        queue: workDeadLetterQueue,
        meaning: `A work item failed ${WORK_MAX_RECEIVE_COUNT} times in a row (configuration error, MailPartner or AWS failing, or a message that cannot be synced). Nothing is lost: the message stays due and the dispatcher enqueues it again. The worker log ("message sync failed; redelivered later") says why; purge the queue once fixed.`,
      },
    ];
  }
}

/** Worker concurrency and timeout, checked against the budget and the SQS event source's limits. */
function checkWorkers(ctx: SyncContext): { workers: number; workerTimeout: Duration } {
  const { budget, props } = ctx;
  const workers = props.workerConcurrency ?? DEFAULT_WORKER_CONCURRENCY;
  if (!(Number.isInteger(workers) && workers >= 2 && workers <= 100)) {
    throw new Error(
      `workerConcurrency must be a whole number from 2 to 100 (the SQS event source's smallest maximum concurrency is 2), got ${workers}`,
    );
  }
  const perWorker = workerRequestsPerMinute(budget, workers);
  if (workers * perWorker > budget) {
    const fitting = Math.floor(budget / (60 * workers)) * 60 * workers;
    throw new Error(
      `budgetPerMinute ${budget} with workerConcurrency ${workers}: each worker may make ${perWorker} requests a minute (budget ÷ workers, enforced in whole requests a second), ${workers * perWorker} in all, above the budget. ` +
        (fitting > 0
          ? `Use a budget that is a multiple of 60 × workerConcurrency (here ${fitting}), or another workerConcurrency.`
          : `Use fewer workers: at least 60 requests a minute per worker.`),
    );
  }
  const workerTimeout = props.workerTimeout ?? DEFAULT_WORKER_TIMEOUT;
  if (workerTimeout.toSeconds() < 30 || workerTimeout.toSeconds() > 900) {
    throw new Error(`workerTimeout must be from 30 seconds to 15 minutes, got ${workerTimeout}`);
  }
  return { workers, workerTimeout };
}
