/**
 * `MailPartnerStatusSync`: the whole product as one construct, for the ready
 * stack (`infra/app.ts`) and for anyone's own CDK app. Two modes, by the `mode` prop:
 *
 * single (default): one scheduled function runs whole sync cycles
 *   schedule rule ─▶ poller ─▶ MailPartner bulk-status
 *                      │  └──▶ DynamoDB table (state, outbox, audit trail)
 *                      └─────▶ event bus ─▶ archive, consumers' rules
 *
 * fan-out: the scheduled function only enqueues due messages; workers sync them
 *   schedule rule ─▶ dispatcher ─▶ SQS FIFO work queue ─▶ workers (reserved concurrency N)
 *                     (due index)      └─▶ FIFO DLQ          │  ├─▶ MailPartner
 *                                                            │  └─▶ DynamoDB table
 *                                                            └─────▶ event bus
 *
 *   TrackMessage event on the bus ─▶ track-message ─▶ DynamoDB table (both modes)
 *
 * Defaults are the safe ones: data retained, deletion protection on, every
 * function allowed exactly the calls it makes on its own resources.
 */
import { Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import { NodejsFunction, type NodejsFunctionProps } from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { PLACEHOLDER_FIELD } from '../runtime/api-key.ts';
import { EVENT_SOURCE } from '../shared/catalog/events.ts';
import { SERVICES } from '../shared/catalog/telemetry.ts';
import {
  DEFAULT_TRACK_MESSAGE_SOURCE,
  TRACK_MESSAGE_DETAIL_TYPE,
} from '../shared/catalog/track-message.ts';
import { type EnvValues, functionEnvironment } from '../shared/config.ts';
import { DEFAULT_BASE_URL } from '../shared/mailpartner/client.ts';
import {
  BILLING_MODE,
  DUE_INDEX,
  type KeyAttribute,
  PARTITION_KEY,
  SORT_KEY,
  TTL_ATTRIBUTE,
} from '../shared/store/table.ts';
import { functionDefaults } from './bundling.ts';
import { StatusSyncObservability } from './observability.ts';

/** The TrackMessage contract (shared/catalog/track-message.ts), for CDK users. */
export { DEFAULT_TRACK_MESSAGE_SOURCE, TRACK_MESSAGE_DETAIL_TYPE };

/** `single`: one poller runs whole cycles. `fan-out`: a dispatcher feeds workers through SQS. */
export type SyncMode = 'single' | 'fan-out';
/** MailPartner's limit per IP; the budget must stay below it. */
export const PROVIDER_LIMIT_PER_MINUTE = 2000;
export const DEFAULT_BUDGET_PER_MINUTE = 1800;
export const DEFAULT_WORKER_CONCURRENCY = 5;
export const DEFAULT_WORKER_TIMEOUT = Duration.minutes(2);
/** AWS guidance for SQS event sources: visibility timeout at least 6 × the function timeout. */
export const VISIBILITY_TIMEOUT_FACTOR = 6;
/** Receives of one work item before it moves to the work DLQ. */
export const WORK_MAX_RECEIVE_COUNT = 5;
/** Records per worker invocation (the most a FIFO event source takes). */
export const WORKER_BATCH_SIZE = 10;
/** The dispatcher reads at most budget + 1 due messages and sends them 10 at a time. */
const DISPATCHER_TIMEOUT = Duration.minutes(1);

/**
 * Provider requests a minute one worker can make, as functions/worker.ts and
 * shared/sync/throttled-provider.ts compute it: budget ÷ workers, rounded down,
 * then enforced as whole requests a second (rounded up, at least 1).
 * test/infra/fan-out.test.ts holds this to the real throttle.
 */
export function workerRequestsPerMinute(budgetPerMinute: number, workerConcurrency: number) {
  const perMinute = Math.max(1, Math.floor(budgetPerMinute / workerConcurrency));
  return 60 * Math.max(1, Math.ceil(perMinute / 60));
}

export interface MailPartnerStatusSyncProps {
  /**
   * `single` (default): the scheduled poller syncs whole cycles, at most the
   * budget a minute. `fan-out`: a scheduled dispatcher enqueues due messages on
   * an SQS FIFO queue for worker functions; choose it when more than about the
   * budget (1,800) messages are due a minute or cycles run long (docs/deploy.md).
   */
  readonly mode?: SyncMode;
  /**
   * MailPartner requests a minute for this deployment (PROVIDER_BUDGET_PER_MINUTE),
   * below MailPartner's 2,000 so your own sending code keeps headroom on the same
   * key. Caps a poller cycle, a dispatcher run, and (divided by `workerConcurrency`)
   * each worker. Default 1,800.
   */
  readonly budgetPerMinute?: number;
  /**
   * Fan-out only: reserved concurrency of the worker function (= the event
   * source's maximum concurrency), 2 to 100. Each worker makes at most
   * `budgetPerMinute / workerConcurrency` requests a minute. Default 5.
   */
  readonly workerConcurrency?: number;
  /**
   * Fan-out only: worker timeout (one batch of up to 10 messages); the work
   * queue's visibility timeout is 6 times it. Default 2 minutes, at most 15.
   */
  readonly workerTimeout?: Duration;
  /** Bus to publish on and to read TrackMessage events from. Default: a new bus. */
  readonly eventBus?: events.IEventBus;
  /** Name of the new bus (ignored with `eventBus`). Default: generated by CloudFormation. */
  readonly eventBusName?: string;
  /**
   * How long the archive keeps this product's events for replay; `null`: no
   * archive. Default 30 days.
   */
  readonly archiveRetention?: Duration | null;
  /** How often the poller (or dispatcher) runs: whole minutes, at least 1. Default 1 minute. */
  readonly pollRate?: Duration;
  /** Shortest time between two polls of the same message. Default: `pollRate`. */
  readonly messagePollInterval?: Duration;
  /**
   * When to stop tracking and how polling slows down; unset values keep the
   * defaults of shared/config.ts (48 h window, 30 min longest interval, 60 min
   * engagement window, 30 min grace for an unknown messageId).
   */
  readonly lifecycle?: {
    readonly trackingWindow?: Duration;
    readonly maxPollInterval?: Duration;
    readonly engagementWindow?: Duration;
    readonly notFoundGrace?: Duration;
  };
  /** Messages synced at once within a poller cycle (single mode). Default 8. */
  readonly pollConcurrency?: number;
  /** Poller timeout; a cycle stops starting messages 20 s before it. Default 5 minutes. */
  readonly pollerTimeout?: Duration;
  /**
   * Reserved concurrency of the scheduled function (the poller, or the dispatcher
   * in fan-out mode); `null` for none. Default 1: one run at a time. Accounts
   * whose Lambda concurrency quota is 10 cannot reserve any: set `null` there
   * (concurrent runs are safe, only wasteful).
   */
  readonly pollerReservedConcurrency?: number | null;
  /**
   * PublishLag alarm: the largest delay from a status's time at MailPartner to
   * its event, above this for 15 minutes (single mode). Default: the longest
   * poll interval (`lifecycle.maxPollInterval`, 30 min) + 15 minutes, because a
   * quiet message is polled only that often and its late changes are normal.
   */
  readonly publishLagAlarmThreshold?: Duration;
  /** Days audit records are kept before DynamoDB's TTL may delete them. Default 90. */
  readonly auditRetentionDays?: number;
  /** Retention of the functions' log groups. Default one month. */
  readonly logRetention?: logs.RetentionDays;
  /** Removal policy of the table, the log groups and a created secret. Default RETAIN. */
  readonly removalPolicy?: RemovalPolicy;
  /** DynamoDB deletion protection. Default true. */
  readonly deletionProtection?: boolean;
  /** Customer managed key for the table. Default: the AWS managed key (aws/dynamodb). */
  readonly tableEncryptionKey?: kms.IKey;
  /**
   * Secret holding the MailPartner API key (plain text, or JSON `{"apiKey": "..."}`).
   * Default: a new secret holding a placeholder; put the key in it after deploying.
   */
  readonly apiKeySecret?: secretsmanager.ISecret;
  /** MailPartner API base URL. Default: the production API. */
  readonly mailPartnerBaseUrl?: string;
  /**
   * Whether MailPartner's commercial hold applies to this account: no commercial
   * mail between 20:00 and 08:00 Paris time, on Sundays and French public
   * holidays; such a mail leaves the next working day at 08:00, and tracking
   * counts from then. Set false for an account whose restriction the provider
   * lifted. Default true.
   */
  readonly commercialHold?: boolean;
  /** `source` values the TrackMessage rule accepts. Default `['mailpartner.status-sync.client']`. */
  readonly trackMessageSources?: string[];
  /** Topic every alarm notifies. Default: a new topic (subscribe to it after deploying). */
  readonly alarmTopic?: sns.ITopic;
  /** CloudWatch dashboard (3 USD a month beyond an account's first three). Default true. */
  readonly dashboard?: boolean;
  readonly dashboardName?: string;
}

/** What fan-out mode adds. */
export interface FanOutResources {
  /** Scheduled: reads the due index, enqueues at most the budget. */
  readonly dispatcher: NodejsFunction;
  readonly dispatcherLogGroup: logs.LogGroup;
  /** SQS FIFO (group = messageId); feeds the worker. */
  readonly workQueue: sqs.Queue;
  /** Work items received `WORK_MAX_RECEIVE_COUNT` times without success. */
  readonly workDeadLetterQueue: sqs.Queue;
  readonly worker: NodejsFunction;
  readonly workerLogGroup: logs.LogGroup;
  readonly workerConcurrency: number;
  readonly workerTimeout: Duration;
}

export class MailPartnerStatusSync extends Construct {
  readonly mode: SyncMode;
  readonly budgetPerMinute: number;
  readonly table: dynamodb.Table;
  readonly eventBus: events.IEventBus;
  readonly archive?: events.Archive;
  readonly apiKeySecret: secretsmanager.ISecret;
  /** Single mode: the function that runs sync cycles. */
  readonly poller?: NodejsFunction;
  readonly pollerLogGroup?: logs.LogGroup;
  /** Fan-out mode: dispatcher, work queue and its DLQ, worker. */
  readonly fanOut?: FanOutResources;
  /** The scheduled function: the poller, or the dispatcher in fan-out mode. */
  readonly scheduledFunction: NodejsFunction;
  /** The rule that runs `scheduledFunction` every `pollRate`. */
  readonly schedule: events.Rule;
  /** Schedule ticks EventBridge could not deliver to the scheduled function. */
  readonly scheduleDeadLetterQueue: sqs.Queue;
  readonly trackMessage: NodejsFunction;
  readonly trackMessageLogGroup: logs.LogGroup;
  readonly trackMessageRule: events.Rule;
  /** TrackMessage events that could not be tracked (bad input, or undeliverable). */
  readonly trackRejectsQueue: sqs.Queue;
  readonly trackMessageSources: readonly string[];
  readonly alarmTopic: sns.ITopic;
  readonly observability: StatusSyncObservability;

  constructor(scope: Construct, id: string, props: MailPartnerStatusSyncProps = {}) {
    super(scope, id);
    const mode = props.mode ?? 'single';
    if (mode !== 'single' && mode !== 'fan-out') {
      throw new Error(`mode must be 'single' or 'fan-out', got '${String(mode)}'`);
    }
    this.mode = mode;
    const removalPolicy = props.removalPolicy ?? RemovalPolicy.RETAIN;
    const logRetention = props.logRetention ?? logs.RetentionDays.ONE_MONTH;
    const pollRate = props.pollRate ?? Duration.minutes(1);
    if (pollRate.toMinutes() < 1) {
      throw new Error(
        `pollRate must be at least 1 minute (EventBridge's smallest rate), got ${pollRate}`,
      );
    }
    const pollerTimeout = props.pollerTimeout ?? Duration.minutes(5);
    const auditRetentionDays = props.auditRetentionDays ?? 90;
    if (!(Number.isInteger(auditRetentionDays) && auditRetentionDays > 0)) {
      throw new Error(
        `auditRetentionDays must be a positive whole number, got ${auditRetentionDays}`,
      );
    }
    const budget = props.budgetPerMinute ?? DEFAULT_BUDGET_PER_MINUTE;
    if (!(Number.isInteger(budget) && budget >= 1 && budget < PROVIDER_LIMIT_PER_MINUTE)) {
      throw new Error(
        `budgetPerMinute must be a whole number from 1 to ${PROVIDER_LIMIT_PER_MINUTE - 1} (below MailPartner's ${PROVIDER_LIMIT_PER_MINUTE} requests a minute), got ${budget}`,
      );
    }
    this.budgetPerMinute = budget;
    const reserved =
      props.pollerReservedConcurrency === undefined ? 1 : props.pollerReservedConcurrency;
    const maxPollInterval = props.lifecycle?.maxPollInterval ?? Duration.minutes(30);

    this.table = this.createTable(props, removalPolicy);
    this.eventBus =
      props.eventBus ??
      new events.EventBus(this, 'Bus', {
        ...(props.eventBusName ? { eventBusName: props.eventBusName } : {}),
        description: 'MailPartner recipient status events (mailpartner-status-sync)',
      });
    const archiveRetention =
      props.archiveRetention === undefined ? Duration.days(30) : props.archiveRetention;
    if (archiveRetention !== null) {
      this.archive = new events.Archive(this, 'Archive', {
        sourceEventBus: this.eventBus,
        description: `Every ${EVENT_SOURCE} event, for replay after a consumer outage`,
        eventPattern: { source: [EVENT_SOURCE] },
        retention: archiveRetention,
      });
    }
    this.apiKeySecret = props.apiKeySecret ?? this.createPlaceholderSecret(removalPolicy);

    /** What syncing a message needs: the same for the poller and a worker. */
    const syncEnv: EnvValues = {
      TABLE_NAME: this.table.tableName,
      EVENT_BUS_NAME: this.eventBus.eventBusName,
      MAILPARTNER_API_KEY_SECRET: this.apiKeySecret.secretArn,
      MAILPARTNER_BASE_URL: props.mailPartnerBaseUrl ?? DEFAULT_BASE_URL,
      POLL_INTERVAL_SECONDS: String((props.messagePollInterval ?? pollRate).toSeconds()),
      AUDIT_RETENTION_DAYS: String(auditRetentionDays),
      PROVIDER_BUDGET_PER_MINUTE: String(budget),
      ...lifecycleEnv(props.lifecycle),
    };
    /** Settings of the scheduled function, whichever it is. */
    const scheduled = {
      ...(reserved === null ? {} : { reservedConcurrentExecutions: reserved }),
      // A failed tick is not retried: the next tick is the retry. A tick queued
      // behind a running one (throttled) is dropped once it is a period old.
      retryAttempts: 0,
      maxEventAge: clampEventAge(pollRate),
    };

    let scheduledFunction: NodejsFunction;
    let scheduledLogGroup: logs.LogGroup;
    let scheduleId: string;
    let scheduleLabel: 'Poller' | 'Dispatcher';
    if (mode === 'single') {
      // --- poller -------------------------------------------------------------
      const pollerLogGroup = new logs.LogGroup(this, 'PollerLogs', {
        retention: logRetention,
        removalPolicy,
      });
      const pollerRole = this.functionRole('PollerRole', 'poller', pollerLogGroup);
      this.poller = new NodejsFunction(this, 'Poller', {
        ...functionDefaults('poller'),
        description: 'mailpartner-status-sync: one sync cycle per scheduled tick',
        memorySize: 512,
        timeout: pollerTimeout,
        ...scheduled,
        role: pollerRole,
        logGroup: pollerLogGroup,
        environment: functionEnvironment(SERVICES.poller, {
          ...syncEnv,
          POLL_CONCURRENCY: props.pollConcurrency ?? 8,
          ...RUNTIME_ENV,
        }),
      });
      this.pollerLogGroup = pollerLogGroup;
      this.grantPoller(pollerRole, props.tableEncryptionKey);
      scheduledFunction = this.poller;
      scheduledLogGroup = pollerLogGroup;
      scheduleId = 'Poll';
      scheduleLabel = 'Poller';
    } else {
      this.fanOut = this.createFanOut(props, {
        budget,
        syncEnv,
        scheduled,
        logRetention,
        removalPolicy,
      });
      scheduledFunction = this.fanOut.dispatcher;
      scheduledLogGroup = this.fanOut.dispatcherLogGroup;
      scheduleId = 'Dispatch';
      scheduleLabel = 'Dispatcher';
    }
    this.scheduledFunction = scheduledFunction;

    // --- schedule ---------------------------------------------------------------
    this.scheduleDeadLetterQueue = deadLetterQueue(this, `${scheduleLabel}DeadLetterQueue`);
    Validations.of(this.scheduleDeadLetterQueue).acknowledge({
      id: 'AwsSolutions-SQS3',
      reason: `This queue is itself a dead-letter queue: the EventBridge target DLQ of the ${scheduleLabel.toLowerCase()} schedule (cdk-nag only recognises SQS redrive and Lambda DLQs).`,
    });
    this.schedule = new events.Rule(this, `${scheduleId}Schedule`, {
      description: `Runs the mailpartner-status-sync ${scheduleLabel.toLowerCase()} every ${pollRate.toHumanString()}`,
      schedule: events.Schedule.rate(pollRate),
      targets: [
        new targets.LambdaFunction(scheduledFunction, {
          deadLetterQueue: this.scheduleDeadLetterQueue,
          retryAttempts: 2,
          maxEventAge: clampEventAge(pollRate),
        }),
      ],
    });

    // --- tracking entry point -------------------------------------------------
    this.trackRejectsQueue = deadLetterQueue(this, 'TrackRejectsQueue');
    this.trackMessageLogGroup = new logs.LogGroup(this, 'TrackMessageLogs', {
      retention: logRetention,
      removalPolicy,
    });
    const trackRole = this.functionRole(
      'TrackMessageRole',
      'track-message',
      this.trackMessageLogGroup,
    );
    this.trackMessage = new NodejsFunction(this, 'TrackMessage', {
      ...functionDefaults('track-message'),
      description: 'mailpartner-status-sync: starts tracking a message from a TrackMessage event',
      memorySize: 256,
      role: trackRole,
      logGroup: this.trackMessageLogGroup,
      // One retry covers a passing DynamoDB fault; a bad event fails the same way twice,
      // then goes to the rejects queue with the error in its ErrorMessage attribute.
      retryAttempts: 1,
      maxEventAge: Duration.hours(1),
      deadLetterQueue: this.trackRejectsQueue,
      environment: functionEnvironment(SERVICES.trackMessage, {
        TABLE_NAME: this.table.tableName,
        EVENT_BUS_NAME: this.eventBus.eventBusName,
        AUDIT_RETENTION_DAYS: auditRetentionDays,
        MAILPARTNER_COMMERCIAL_HOLD: String(props.commercialHold ?? true),
        ...RUNTIME_ENV,
      }),
    });
    this.grantTrackMessage(trackRole, props.tableEncryptionKey);

    this.trackMessageSources = props.trackMessageSources ?? [DEFAULT_TRACK_MESSAGE_SOURCE];
    this.trackMessageRule = new events.Rule(this, 'TrackMessageRule', {
      description: 'Starts tracking a MailPartner message from a TrackMessage event',
      eventBus: this.eventBus,
      eventPattern: {
        source: [...this.trackMessageSources],
        detailType: [TRACK_MESSAGE_DETAIL_TYPE],
      },
      targets: [
        new targets.LambdaFunction(this.trackMessage, {
          // Delivery failures (the function gone, permissions): retried, then the same rejects queue.
          deadLetterQueue: this.trackRejectsQueue,
          retryAttempts: 3,
          maxEventAge: Duration.hours(2),
        }),
      ],
    });

    // --- observability --------------------------------------------------------
    this.alarmTopic = props.alarmTopic ?? this.createAlarmTopic();
    const scheduleDlq = {
      label: `${scheduleLabel}DeadLetterQueue`,
      queue: this.scheduleDeadLetterQueue,
      meaning: `EventBridge could not invoke the ${scheduleLabel.toLowerCase()} (function deleted, permission removed, Lambda unavailable): messages are not being polled. The messages themselves are only schedule ticks; purge them once fixed.`,
    };
    const trackDlq = {
      label: 'TrackRejectsQueue',
      queue: this.trackRejectsQueue,
      meaning:
        'A TrackMessage event could not be tracked. Each message body is the original event; its ErrorMessage (or ERROR_MESSAGE) attribute says why. Fix the publisher, put the event again, then delete the message.',
    };
    const fanOut = this.fanOut;
    this.observability = new StatusSyncObservability(this, 'Observability', {
      eventBus: this.eventBus,
      scheduled: {
        label: scheduleLabel,
        fn: scheduledFunction,
        timeout: fanOut ? DISPATCHER_TIMEOUT : pollerTimeout,
        logGroup: scheduledLogGroup,
      },
      ...(fanOut
        ? {
            fanOut: {
              worker: fanOut.worker,
              workerTimeout: fanOut.workerTimeout,
              workerLogGroup: fanOut.workerLogGroup,
              workQueue: fanOut.workQueue,
            },
          }
        : {
            publishLagThreshold:
              props.publishLagAlarmThreshold ?? maxPollInterval.plus(Duration.minutes(15)),
          }),
      trackMessage: this.trackMessage,
      table: this.table,
      alarmTopic: this.alarmTopic,
      deadLetterQueues: fanOut
        ? [
            scheduleDlq,
            trackDlq,
            {
              label: 'WorkDeadLetterQueue',
              queue: fanOut.workDeadLetterQueue,
              meaning: `A work item failed ${WORK_MAX_RECEIVE_COUNT} times in a row (configuration error, MailPartner or AWS failing, or a message that cannot be synced). Nothing is lost: the message stays due and the dispatcher enqueues it again. The worker log ("message sync failed; redelivered later") says why; purge the queue once fixed.`,
            },
          ]
        : [scheduleDlq, trackDlq],
      dashboard: props.dashboard ?? true,
      ...(props.dashboardName ? { dashboardName: props.dashboardName } : {}),
    });
  }

  /** Every alarm of the construct. */
  get alarms() {
    return this.observability.alarms;
  }

  /**
   * Fan-out: the dispatcher (scheduled by the caller), the FIFO work queue with
   * its DLQ, and the worker on an SQS event source.
   */
  private createFanOut(
    props: MailPartnerStatusSyncProps,
    shared: {
      budget: number;
      syncEnv: EnvValues;
      scheduled: Pick<
        NodejsFunctionProps,
        'reservedConcurrentExecutions' | 'retryAttempts' | 'maxEventAge'
      >;
      logRetention: logs.RetentionDays;
      removalPolicy: RemovalPolicy;
    },
  ): FanOutResources {
    const { budget, logRetention, removalPolicy } = shared;
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

    // --- work queue -------------------------------------------------------------
    const workDeadLetterQueue = new sqs.Queue(this, 'WorkDeadLetterQueue', {
      fifo: true,
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    const workQueue = new sqs.Queue(this, 'WorkQueue', {
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
    const dispatcherLogGroup = new logs.LogGroup(this, 'DispatcherLogs', {
      retention: logRetention,
      removalPolicy,
    });
    const dispatcherRole = this.functionRole('DispatcherRole', 'dispatcher', dispatcherLogGroup);
    const dispatcher = new NodejsFunction(this, 'Dispatcher', {
      ...functionDefaults('dispatcher'),
      description: 'mailpartner-status-sync: enqueues due messages for the workers',
      memorySize: 256,
      timeout: DISPATCHER_TIMEOUT,
      ...shared.scheduled,
      role: dispatcherRole,
      logGroup: dispatcherLogGroup,
      environment: functionEnvironment(SERVICES.dispatcher, {
        TABLE_NAME: this.table.tableName,
        WORK_QUEUE_URL: workQueue.queueUrl,
        PROVIDER_BUDGET_PER_MINUTE: budget,
        ...RUNTIME_ENV,
      }),
    });
    this.grantDispatcher(dispatcherRole, workQueue, props.tableEncryptionKey);

    // --- worker -----------------------------------------------------------------
    const workerLogGroup = new logs.LogGroup(this, 'WorkerLogs', {
      retention: logRetention,
      removalPolicy,
    });
    const workerRole = this.functionRole('WorkerRole', 'worker', workerLogGroup);
    const worker = new NodejsFunction(this, 'Worker', {
      ...functionDefaults('worker'),
      description: 'mailpartner-status-sync: syncs the messages the dispatcher enqueued',
      memorySize: 512,
      timeout: workerTimeout,
      // N workers at most, each throttled to budget / N: all together within the budget.
      reservedConcurrentExecutions: workers,
      role: workerRole,
      logGroup: workerLogGroup,
      environment: functionEnvironment(SERVICES.worker, {
        ...shared.syncEnv,
        WORKER_CONCURRENCY: workers,
        ...RUNTIME_ENV,
      }),
    });
    this.grantWorker(workerRole, props.tableEncryptionKey);
    worker.addEventSource(
      new SqsEventSource(workQueue, {
        batchSize: WORKER_BATCH_SIZE,
        reportBatchItemFailures: true,
        // No more concurrent invocations than reserved: a throttled batch would
        // count as a receive and could reach the DLQ without ever running.
        maxConcurrency: workers,
      }),
    );

    return {
      dispatcher,
      dispatcherLogGroup,
      workQueue,
      workDeadLetterQueue,
      worker,
      workerLogGroup,
      workerConcurrency: workers,
      workerTimeout,
    };
  }

  private createTable(props: MailPartnerStatusSyncProps, removalPolicy: RemovalPolicy) {
    const key = props.tableEncryptionKey;
    const table = new dynamodb.Table(this, 'Table', {
      partitionKey: attribute(PARTITION_KEY),
      sortKey: attribute(SORT_KEY),
      billingMode: dynamodb.BillingMode[BILLING_MODE],
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      ...(key
        ? { encryption: dynamodb.TableEncryption.CUSTOMER_MANAGED, encryptionKey: key }
        : { encryption: dynamodb.TableEncryption.AWS_MANAGED }),
      timeToLiveAttribute: TTL_ATTRIBUTE,
      deletionProtection: props.deletionProtection ?? true,
      removalPolicy,
    });
    table.addGlobalSecondaryIndex({
      indexName: DUE_INDEX.name,
      partitionKey: attribute(DUE_INDEX.partitionKey),
      sortKey: attribute(DUE_INDEX.sortKey),
      projectionType: dynamodb.ProjectionType[DUE_INDEX.projection],
    });
    return table;
  }

  private createPlaceholderSecret(removalPolicy: RemovalPolicy): secretsmanager.Secret {
    // Generated by Secrets Manager at deploy time: no value, not even the
    // placeholder's, appears in the template. The function recognises the
    // placeholder and reports "no key set yet" instead of sending it to MailPartner.
    const secret = new secretsmanager.Secret(this, 'ApiKeySecret', {
      description:
        'MailPartner API key for mailpartner-status-sync. Replace the placeholder: aws secretsmanager put-secret-value --secret-id <arn> --secret-string <key>',
      generateSecretString: {
        secretStringTemplate: JSON.stringify({
          note: 'Not an API key: replace this whole value with your MailPartner API key.',
        }),
        generateStringKey: PLACEHOLDER_FIELD,
      },
      removalPolicy,
    });
    Validations.of(secret).acknowledge({
      id: 'AwsSolutions-SMG4',
      reason:
        'A third-party API key: only MailPartner can issue a new one, so there is nothing a rotation Lambda could do. Rotate it at MailPartner, then put-secret-value (docs/deploy.md, "The API key secret").',
    });
    return secret;
  }

  private createAlarmTopic(): sns.Topic {
    const topic = new sns.Topic(this, 'AlarmTopic', {
      displayName: 'mailpartner-status-sync alarms',
      enforceSSL: true,
    });
    Validations.of(topic).acknowledge({
      id: 'AwsSolutions-SNS2',
      reason:
        'Alarm notifications carry alarm names and metric values only, no message data. CloudWatch cannot publish to a topic encrypted with the AWS managed SNS key, and a customer managed key would cost 1 USD a month at rest; pass alarmTopic to use an encrypted topic of your own.',
    });
    return topic;
  }

  /** A role with no managed policy: logs to its own log group only; grants are added per function. */
  private functionRole(id: string, name: string, logGroup: logs.LogGroup): iam.Role {
    const role = new iam.Role(this, id, {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: `mailpartner-status-sync ${name} function`,
    });
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'OwnLogGroup',
        actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        resources: [logGroup.logGroupArn],
      }),
    );
    return role;
  }

  /**
   * Exactly what one cycle calls (shared/store/dynamo-status-store.ts):
   * listDue → Query on the `due` index; then per message what a worker does.
   */
  private grantPoller(role: iam.Role, tableKey: kms.IKey | undefined): void {
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'QueryTableAndDueIndex',
        actions: ['dynamodb:Query'],
        resources: [this.table.tableArn, this.dueIndexArn()],
      }),
    );
    this.grantSyncMessage(role, tableKey);
  }

  /**
   * The dispatcher only reads the due index (store.listDue → Query) and sends
   * work items (SendMessageBatch is authorised as sqs:SendMessage).
   */
  private grantDispatcher(role: iam.Role, queue: sqs.IQueue, tableKey: kms.IKey | undefined) {
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'QueryDueIndex',
        actions: ['dynamodb:Query'],
        resources: [this.dueIndexArn()],
      }),
    );
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'EnqueueWork',
        actions: ['sqs:SendMessage'],
        resources: [queue.queueArn],
      }),
    );
    if (tableKey) this.grantTableKey(role, tableKey);
  }

  /**
   * A worker syncs one message at a time, as the poller does, without listing
   * due messages: so no due index. The SQS event source's consume actions are
   * added by `SqsEventSource` (grantConsumeMessages) on the work queue.
   */
  private grantWorker(role: iam.Role, tableKey: kms.IKey | undefined): void {
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'QueryTable',
        actions: ['dynamodb:Query'],
        resources: [this.table.tableArn],
      }),
    );
    this.grantSyncMessage(role, tableKey);
  }

  /**
   * Syncing one message (shared/sync/sync-message.ts): load → Query (granted by
   * the caller); commit → PutItem per chunk (+ UpdateItem for the chunk count);
   * markPublished → PutItem per chunk, UpdateItem of META's outbox; finish,
   * retire, recordPoll → UpdateItem; writeAudit → BatchWriteItem; publish →
   * PutEvents; the API key → GetSecretValue.
   */
  private grantSyncMessage(role: iam.Role, tableKey: kms.IKey | undefined): void {
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'WriteTable',
        actions: ['dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:BatchWriteItem'],
        resources: [this.table.tableArn],
      }),
    );
    this.grantPublish(role);
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'ReadApiKey',
        actions: ['secretsmanager:GetSecretValue'],
        resources: [secretArnForPolicies(this.apiKeySecret)],
      }),
    );
    const secretKey = this.apiKeySecret.encryptionKey;
    if (secretKey) {
      role.addToPrincipalPolicy(
        new iam.PolicyStatement({
          sid: 'DecryptApiKey',
          actions: ['kms:Decrypt'],
          resources: [secretKey.keyArn],
          conditions: {
            StringEquals: {
              'kms:ViaService': `secretsmanager.${Stack.of(this).region}.amazonaws.com`,
            },
          },
        }),
      );
    }
    if (tableKey) this.grantTableKey(role, tableKey);
  }

  private dueIndexArn(): string {
    return `${this.table.tableArn}/index/${DUE_INDEX.name}`;
  }

  /**
   * The tracking use case (shared/sync/track-message.ts): store.track → a
   * conditional PutItem, GetItem when already tracked; then the announcement's
   * flush: load → Query (table only), writeAudit → BatchWriteItem, PutEvents,
   * markPublished → UpdateItem of META's outbox.
   */
  private grantTrackMessage(role: iam.Role, tableKey: kms.IKey | undefined): void {
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'TrackInTable',
        actions: [
          'dynamodb:PutItem',
          'dynamodb:GetItem',
          'dynamodb:Query',
          'dynamodb:UpdateItem',
          'dynamodb:BatchWriteItem',
        ],
        resources: [this.table.tableArn],
      }),
    );
    this.grantPublish(role);
    if (tableKey) this.grantTableKey(role, tableKey);
  }

  private grantPublish(role: iam.Role): void {
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'PublishToOwnBus',
        actions: ['events:PutEvents'],
        resources: [this.eventBus.eventBusArn],
      }),
    );
  }

  /** Use of the table's customer managed key, through DynamoDB only. */
  private grantTableKey(role: iam.Role, key: kms.IKey): void {
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'UseTableKeyThroughDynamoDB',
        actions: ['kms:Decrypt', 'kms:DescribeKey', 'kms:Encrypt', 'kms:GenerateDataKey'],
        resources: [key.keyArn],
        conditions: {
          StringEquals: { 'kms:ViaService': `dynamodb.${Stack.of(this).region}.amazonaws.com` },
        },
      }),
    );
  }
}

const ATTRIBUTE_TYPES: Record<KeyAttribute['type'], dynamodb.AttributeType> = {
  S: dynamodb.AttributeType.STRING,
};

function attribute(key: KeyAttribute): dynamodb.Attribute {
  return { name: key.name, type: ATTRIBUTE_TYPES[key.type] };
}

/** Lambda and EventBridge accept event ages from 60 s to 6 h (Lambda) / 24 h (EventBridge). */
function clampEventAge(age: Duration): Duration {
  return Duration.seconds(Math.min(Math.max(age.toSeconds(), 60), 6 * 3600));
}

function deadLetterQueue(scope: Construct, id: string): sqs.Queue {
  return new sqs.Queue(scope, id, {
    encryption: sqs.QueueEncryption.SQS_MANAGED,
    enforceSSL: true,
    retentionPeriod: Duration.days(14),
  });
}

function lifecycleEnv(lifecycle: MailPartnerStatusSyncProps['lifecycle']): EnvValues {
  const env: EnvValues = {};
  if (lifecycle?.trackingWindow) {
    env.TRACKING_WINDOW_HOURS = String(lifecycle.trackingWindow.toMinutes() / 60);
  }
  if (lifecycle?.maxPollInterval) {
    env.MAX_POLL_INTERVAL_MINUTES = String(lifecycle.maxPollInterval.toMinutes());
  }
  if (lifecycle?.engagementWindow) {
    env.ENGAGEMENT_WINDOW_MINUTES = String(lifecycle.engagementWindow.toMinutes());
  }
  if (lifecycle?.notFoundGrace) {
    env.NOT_FOUND_GRACE_MINUTES = String(lifecycle.notFoundGrace.toMinutes());
  }
  return env;
}

/** Every function's runtime settings; functionEnvironment adds its service name and namespace. */
const RUNTIME_ENV: EnvValues = {
  POWERTOOLS_LOG_LEVEL: 'INFO',
  NODE_OPTIONS: '--enable-source-maps',
};

/**
 * The ARN to name in a policy: a secret imported by name or partial ARN has
 * Secrets Manager's random 6-character suffix still to match.
 */
function secretArnForPolicies(secret: secretsmanager.ISecret): string {
  return secret.secretFullArn ?? `${secret.secretArn}-??????`;
}
