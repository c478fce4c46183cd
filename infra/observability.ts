/**
 * Alarms and the dashboard of one MailPartnerStatusSync: what an operator is
 * woken for, and the picture they open next.
 *
 * Metric names and dimensions are the ones the functions emit through
 * Powertools (EMF): namespace `MailPartnerStatusSync`, dimension `service`
 * (the `serviceName` each function gives its `Metrics`: `poller`,
 * `dispatcher`, `track-message`), plus `errorKind` on `SyncErrors`. The worker
 * emits no metrics of its own: its failed syncs are counted from its log lines
 * by a metric filter (`WorkerSyncErrors`, dimension `errorKind`). The bundle
 * test runs the built functions and checks they still emit exactly these.
 */
import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as logs from 'aws-cdk-lib/aws-logs';
import type * as sns from 'aws-cdk-lib/aws-sns';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';

export const METRICS_NAMESPACE = 'MailPartnerStatusSync';
/** Powertools `serviceName` of each function: the `service` dimension of its metrics. */
export const POLLER_SERVICE = 'poller';
export const DISPATCHER_SERVICE = 'dispatcher';
export const TRACK_MESSAGE_SERVICE = 'track-message';
/** POWERTOOLS_SERVICE_NAME of the worker (it emits no EMF metrics). */
export const WORKER_SERVICE = 'worker';
/** What functions/worker.ts logs (Powertools JSON, `errorKind` field) when a sync fails. */
export const WORKER_SYNC_FAILED_LOG_MESSAGE = 'message sync failed; redelivered later';
/** The metric filter's metric: one per such log line, dimension `errorKind`. */
export const WORKER_SYNC_ERRORS_METRIC = 'WorkerSyncErrors';

/**
 * Error kinds that mean "messages are not syncing" when they persist. Not here:
 * `configuration` (its own alarm, at once), `not-found` (normal right after a
 * send), `conflict` (two pollers racing; the next cycle settles it).
 */
export const FAILURE_KINDS = [
  'transient',
  'rate-limited',
  'throttled',
  'store',
  'publish',
  'bad-request',
  'unknown',
] as const;

/** Alarm windows: 5-minute periods; "sustained" means 3 of them in a row. */
const PERIOD = Duration.minutes(5);
const SUSTAINED = 3;

export interface DeadLetterQueueRef {
  /** Short name used in alarm and widget titles. */
  readonly label: string;
  readonly queue: sqs.IQueue;
  /** What a message in this queue means and what to do about it. */
  readonly meaning: string;
}

export interface StatusSyncObservabilityProps {
  /** The scheduled function: the poller (single mode) or the dispatcher (fan-out). */
  readonly scheduled: {
    readonly label: 'Poller' | 'Dispatcher';
    readonly fn: lambda.IFunction;
    readonly timeout: Duration;
    readonly logGroup: logs.ILogGroup;
  };
  /** Fan-out mode: the worker and its queue. Absent: single mode. */
  readonly fanOut?: {
    readonly worker: lambda.IFunction;
    readonly workerTimeout: Duration;
    readonly workerLogGroup: logs.ILogGroup;
    readonly workQueue: sqs.IQueue;
  };
  /** Single mode: PublishLag alarm threshold (largest lag, sustained). */
  readonly publishLagThreshold?: Duration;
  readonly trackMessage: lambda.IFunction;
  readonly table: dynamodb.Table;
  readonly deadLetterQueues: readonly DeadLetterQueueRef[];
  /** Every alarm notifies this topic (ALARM and OK). */
  readonly alarmTopic: sns.ITopic;
  /** Default true. A dashboard costs 3 USD a month beyond an account's first three. */
  readonly dashboard?: boolean;
  readonly dashboardName?: string;
}

export class StatusSyncObservability extends Construct {
  readonly alarms: cloudwatch.Alarm[] = [];
  readonly dashboard?: cloudwatch.Dashboard;

  /** Named alarms, for tests and for callers who want to wire them elsewhere. */
  readonly configurationErrorAlarm: cloudwatch.Alarm;
  /** PollerErrors or DispatcherErrors. */
  readonly scheduledErrorsAlarm: cloudwatch.Alarm;
  readonly syncFailuresAlarm: cloudwatch.Alarm;
  /** Single mode only. */
  readonly eventsPendingAlarm?: cloudwatch.Alarm;
  readonly publishLagAlarm?: cloudwatch.Alarm;
  /** Fan-out mode only. */
  readonly dispatchFailuresAlarm?: cloudwatch.Alarm;
  readonly workerErrorsAlarm?: cloudwatch.Alarm;
  readonly workerThrottlesAlarm?: cloudwatch.Alarm;
  readonly workQueueAgeAlarm?: cloudwatch.Alarm;

  constructor(scope: Construct, id: string, props: StatusSyncObservabilityProps) {
    super(scope, id);
    const { scheduled, fanOut, trackMessage, table } = props;
    const alarm = (alarmId: string, options: cloudwatch.AlarmProps): cloudwatch.Alarm => {
      const created = new cloudwatch.Alarm(this, alarmId, {
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
        ...options,
      });
      created.addAlarmAction(new actions.SnsAction(props.alarmTopic));
      created.addOkAction(new actions.SnsAction(props.alarmTopic));
      this.alarms.push(created);
      return created;
    };
    const sustained = {
      threshold: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: SUSTAINED,
      datapointsToAlarm: SUSTAINED,
    };
    const syncErrors = fanOut ? workerSyncErrors : pollerSyncErrors;

    // Provider configuration: the API key is missing or rejected, or the table,
    // bus or secret cannot be used. Nothing syncs until it is fixed.
    this.configurationErrorAlarm = alarm('ConfigurationErrors', {
      alarmDescription: fanOut
        ? 'Workers failed to sync on a configuration error: MailPartner API key not set or rejected, secret unreadable, table or bus missing, or access denied. No message syncs until it is fixed. The worker log says which ("message sync failed; redelivered later", errorKind "configuration").'
        : 'The poller stopped a cycle on a configuration error: MailPartner API key not set or rejected, secret unreadable, table or bus missing, or access denied. No message syncs until it is fixed. The poller log says which ("cycle stopped by a configuration error").',
      metric: syncErrors('configuration'),
      threshold: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 1,
    });

    this.scheduledErrorsAlarm = alarm(`${scheduled.label}Errors`, {
      alarmDescription: `The ${scheduled.label.toLowerCase()} function itself failed (crash or timeout) in each of the last 15 minutes: ${fanOut ? 'due messages are not being enqueued' : 'cycles are not completing'}. See the ${scheduled.label.toLowerCase()} log group.`,
      metric: scheduled.fn.metricErrors({ period: PERIOD, statistic: cloudwatch.Stats.SUM }),
      ...sustained,
    });

    const failureMetrics = Object.fromEntries(
      FAILURE_KINDS.map((kind, i) => [`e${i}`, syncErrors(kind)]),
    );
    this.syncFailuresAlarm = alarm('SyncFailures', {
      alarmDescription: fanOut
        ? `Messages have failed to sync in each of the last 15 minutes (error kinds: ${FAILURE_KINDS.join(', ')}). Failed work items come back after the queue's visibility timeout, and go to the work DLQ after repeated failures; the worker log names each message and reason ("message sync failed; redelivered later").`
        : `Messages have failed to sync in each of the last 15 minutes (error kinds: ${FAILURE_KINDS.join(', ')}). Failed messages are retried every cycle; the poller log names each message and reason ("message sync failed").`,
      metric: new cloudwatch.MathExpression({
        // Each kind is only emitted when it happens: a missing point counts as 0.
        expression: Object.keys(failureMetrics)
          .map((k) => `FILL(${k}, 0)`)
          .join(' + '),
        usingMetrics: failureMetrics,
        label: 'Sync failures',
        period: PERIOD,
      }),
      ...sustained,
    });

    if (!fanOut) {
      this.eventsPendingAlarm = alarm('EventsPending', {
        alarmDescription:
          'Events have been waiting in the outbox for 15 minutes: PutEvents keeps failing or being throttled. Nothing is lost (they are published once the bus accepts them), but consumers are late.',
        metric: serviceMetric(POLLER_SERVICE, 'EventsPending', cloudwatch.Stats.MAXIMUM),
        ...sustained,
      });
      const lagThreshold = props.publishLagThreshold ?? Duration.minutes(45);
      this.publishLagAlarm = alarm('PublishLag', {
        alarmDescription: `Status changes have reached the bus more than ${lagThreshold.toHumanString()} after MailPartner's status time, in each of the last 15 minutes (PublishLagMax). Quiet messages are polled only every maxPollInterval, so some lag is normal; this much means cycles fall behind: more messages due than the budget (cycle summary "messagesDue" above "messagesPolled"), cycles stopping at their deadline, or MailPartner reporting late. Consider fan-out mode or a shorter maxPollInterval.`,
        metric: serviceMetric(POLLER_SERVICE, 'PublishLagMax', cloudwatch.Stats.MAXIMUM),
        threshold: lagThreshold.toMilliseconds(),
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
        evaluationPeriods: SUSTAINED,
        datapointsToAlarm: SUSTAINED,
      });
    } else {
      this.dispatchFailuresAlarm = alarm('DispatchFailures', {
        alarmDescription:
          'The dispatcher could not enqueue due messages in each of the last 15 minutes (SQS refused SendMessageBatch entries after retries). Those messages stay due and are tried again next minute; the dispatcher log has the "dispatch summary".',
        metric: serviceMetric(DISPATCHER_SERVICE, 'DispatchFailures'),
        ...sustained,
      });
      this.workerErrorsAlarm = alarm('WorkerErrors', {
        alarmDescription:
          'The worker function itself failed (crash or timeout, not a per-message failure) in each of the last 15 minutes. A failed batch comes back after the visibility timeout and ends in the work DLQ. See the worker log group.',
        metric: fanOut.worker.metricErrors({ period: PERIOD, statistic: cloudwatch.Stats.SUM }),
        ...sustained,
      });
      this.workerThrottlesAlarm = alarm('WorkerThrottles', {
        alarmDescription:
          "The worker has been throttled for 15 minutes: the account is out of Lambda concurrency, or the worker's reserved concurrency was changed below the event source's maximum concurrency. Throttled batches return to the queue and count as receives.",
        metric: fanOut.worker.metricThrottles({ period: PERIOD, statistic: cloudwatch.Stats.SUM }),
        ...sustained,
      });
      const ageThreshold = workQueueAgeThreshold(fanOut.workerTimeout);
      this.workQueueAgeAlarm = alarm('WorkQueueAge', {
        alarmDescription: `The oldest work item has waited more than ${ageThreshold.toHumanString()} (one visibility timeout and 5 minutes) in each of the last 15 minutes: workers do not keep up (more due than the budget, slow MailPartner replies, 429 pauses) or items keep failing. Messages are synced late.`,
        metric: fanOut.workQueue.metricApproximateAgeOfOldestMessage({
          period: PERIOD,
          statistic: cloudwatch.Stats.MAXIMUM,
        }),
        threshold: ageThreshold.toSeconds(),
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
        evaluationPeriods: SUSTAINED,
        datapointsToAlarm: SUSTAINED,
      });
    }

    for (const dlq of props.deadLetterQueues) {
      alarm(`${dlq.label}Depth`, {
        alarmDescription: `${dlq.label} holds at least one message. ${dlq.meaning}`,
        metric: dlq.queue.metricApproximateNumberOfMessagesVisible({
          period: PERIOD,
          statistic: cloudwatch.Stats.MAXIMUM,
        }),
        threshold: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        evaluationPeriods: 1,
      });
    }

    alarm(`${scheduled.label}Throttles`, {
      alarmDescription: fanOut
        ? 'The dispatcher has been throttled for 15 minutes: runs last longer than the poll rate (reserved concurrency reached), or the account is out of Lambda concurrency.'
        : 'The poller has been throttled for 15 minutes: cycles last longer than the poll rate (reserved concurrency reached), or the account is out of Lambda concurrency. Raise the poll rate or the poller timeout budget, or look at why cycles are slow.',
      metric: scheduled.fn.metricThrottles({ period: PERIOD, statistic: cloudwatch.Stats.SUM }),
      ...sustained,
    });

    alarm('TrackMessageThrottles', {
      alarmDescription:
        'The TrackMessage function has been throttled for 15 minutes (account out of Lambda concurrency). Lambda keeps retrying the events for a while; persistent throttling ends in the rejects queue.',
      metric: trackMessage.metricThrottles({ period: PERIOD, statistic: cloudwatch.Stats.SUM }),
      ...sustained,
    });

    alarm('TableThrottles', {
      alarmDescription:
        'DynamoDB has throttled requests to the status table for 15 minutes. The store retries, then reports "throttled" sync errors; check for a hot partition or a sudden traffic jump.',
      metric: table.metricThrottledRequestsForOperations({
        operations: TABLE_OPERATIONS,
        period: PERIOD,
      }),
      ...sustained,
    });

    alarm('PutEventsThrottled', {
      alarmDescription:
        'EventBridge has throttled PutEvents in this account and region for 15 minutes (the quota is shared by every bus and application). Pending events stay in the outbox until accepted; ask for a quota increase if it persists.',
      metric: putEventsThrottled(),
      ...sustained,
    });

    if (props.dashboard ?? true) {
      this.dashboard = new cloudwatch.Dashboard(this, 'Dashboard', {
        ...(props.dashboardName ? { dashboardName: props.dashboardName } : {}),
        defaultInterval: Duration.hours(3),
        widgets: dashboardWidgets(props, this.alarms),
      });
    }
  }
}

/** One visibility timeout (6 × worker timeout) plus 5 minutes: beyond one failed attempt. */
export function workQueueAgeThreshold(workerTimeout: Duration): Duration {
  return Duration.seconds(workerTimeout.toSeconds() * 6 + 300);
}

/** Operations the functions call on the table (see shared/store/dynamo-status-store.ts). */
const TABLE_OPERATIONS = [
  dynamodb.Operation.QUERY,
  dynamodb.Operation.PUT_ITEM,
  dynamodb.Operation.UPDATE_ITEM,
  dynamodb.Operation.BATCH_WRITE_ITEM,
  dynamodb.Operation.GET_ITEM,
];

function serviceMetric(
  service: string,
  metricName: string,
  statistic: string = cloudwatch.Stats.SUM,
  label?: string,
) {
  return new cloudwatch.Metric({
    namespace: METRICS_NAMESPACE,
    metricName,
    dimensionsMap: { service },
    period: PERIOD,
    statistic,
    ...(label ? { label } : {}),
  });
}

function pollerSyncErrors(errorKind: string) {
  return new cloudwatch.Metric({
    namespace: METRICS_NAMESPACE,
    metricName: 'SyncErrors',
    dimensionsMap: { service: POLLER_SERVICE, errorKind },
    period: PERIOD,
    statistic: cloudwatch.Stats.SUM,
  });
}

function workerSyncErrors(errorKind: string) {
  return new cloudwatch.Metric({
    namespace: METRICS_NAMESPACE,
    metricName: WORKER_SYNC_ERRORS_METRIC,
    dimensionsMap: { errorKind },
    period: PERIOD,
    statistic: cloudwatch.Stats.SUM,
  });
}

function putEventsThrottled(label?: string) {
  return new cloudwatch.Metric({
    namespace: 'AWS/Events',
    metricName: 'PutEventsApproximateThrottledCount',
    period: PERIOD,
    statistic: cloudwatch.Stats.SUM,
    ...(label ? { label } : {}),
  });
}

function dashboardWidgets(
  props: StatusSyncObservabilityProps,
  alarms: readonly cloudwatch.Alarm[],
): cloudwatch.IWidget[][] {
  const { scheduled, fanOut, trackMessage, table } = props;
  const wide = { width: 12, height: 6 };
  const fnWidget = (title: string, fn: lambda.IFunction, timeout: Duration) =>
    new cloudwatch.GraphWidget({
      title,
      left: [
        fn.metricInvocations({ period: PERIOD }),
        fn.metricErrors({ period: PERIOD }),
        fn.metricThrottles({ period: PERIOD }),
      ],
      right: [
        fn.metricDuration({ period: PERIOD, statistic: cloudwatch.Stats.p(99) }),
        fn.metricDuration({ period: PERIOD, statistic: cloudwatch.Stats.MAXIMUM }),
      ],
      rightAnnotations: [{ value: timeout.toMilliseconds(), label: 'timeout' }],
      ...wide,
    });
  const errorsByKind = new cloudwatch.GraphWidget({
    title: fanOut ? 'Sync errors by kind (worker log lines)' : 'Sync errors by kind',
    left: [
      new cloudwatch.MathExpression({
        // Every errorKind ever seen, including kinds added later.
        expression: fanOut
          ? `SEARCH('{${METRICS_NAMESPACE},errorKind} MetricName="${WORKER_SYNC_ERRORS_METRIC}"', 'Sum', 300)`
          : `SEARCH('{${METRICS_NAMESPACE},errorKind,service} MetricName="SyncErrors" service="${POLLER_SERVICE}"', 'Sum', 300)`,
        label: '',
        period: PERIOD,
      }),
    ],
    ...wide,
  });
  const trackWidget = new cloudwatch.GraphWidget({
    title: 'TrackMessage',
    left: [
      serviceMetric(TRACK_MESSAGE_SERVICE, 'MessagesTracked'),
      serviceMetric(TRACK_MESSAGE_SERVICE, 'TrackRequestsRejected'),
    ],
    right: [
      trackMessage.metricErrors({ period: PERIOD }),
      trackMessage.metricThrottles({ period: PERIOD }),
    ],
    ...wide,
  });
  const dlqWidget = new cloudwatch.GraphWidget({
    title: 'Dead-letter queues (messages visible)',
    left: props.deadLetterQueues.map((d) =>
      d.queue.metricApproximateNumberOfMessagesVisible({
        period: PERIOD,
        statistic: cloudwatch.Stats.MAXIMUM,
        label: d.label,
      }),
    ),
    ...wide,
  });
  const awsWidget = new cloudwatch.GraphWidget({
    title: 'DynamoDB and EventBridge',
    left: [
      table.metricConsumedReadCapacityUnits({ period: PERIOD }),
      table.metricConsumedWriteCapacityUnits({ period: PERIOD }),
    ],
    right: [
      table.metricThrottledRequestsForOperations({
        operations: TABLE_OPERATIONS,
        period: PERIOD,
        label: 'DynamoDB throttled requests',
      }),
      putEventsThrottled('PutEvents throttled (account)'),
    ],
    ...wide,
  });
  const header = [
    [
      new cloudwatch.TextWidget({
        markdown: `# MailPartner status sync${fanOut ? ' (fan-out)' : ''}\nPolls MailPartner for every tracked message and publishes one event per status change. Runbook: docs/deploy.md.`,
        width: 24,
        height: 2,
      }),
    ],
    [
      new cloudwatch.AlarmStatusWidget({
        title: 'Alarms',
        alarms: [...alarms],
        width: 24,
        height: 3,
      }),
    ],
  ];

  if (!fanOut) {
    const lagThreshold = props.publishLagThreshold ?? Duration.minutes(45);
    return [
      ...header,
      [
        new cloudwatch.GraphWidget({
          title: 'Sync cycles (per 5 minutes)',
          left: [
            serviceMetric(POLLER_SERVICE, 'MessagesPolled'),
            serviceMetric(POLLER_SERVICE, 'StatusChanges'),
            serviceMetric(POLLER_SERVICE, 'EventsPublished'),
          ],
          right: [
            serviceMetric(POLLER_SERVICE, 'EventsPending', cloudwatch.Stats.MAXIMUM),
            serviceMetric(POLLER_SERVICE, 'MessagesSkipped'),
          ],
          ...wide,
        }),
        errorsByKind,
      ],
      [
        new cloudwatch.GraphWidget({
          title: 'Publish lag: MailPartner status time to event (ms)',
          left: [
            serviceMetric(
              POLLER_SERVICE,
              'PublishLagMean',
              cloudwatch.Stats.AVERAGE,
              'mean lag (average of cycles)',
            ),
            serviceMetric(POLLER_SERVICE, 'PublishLagMax', cloudwatch.Stats.MAXIMUM, 'largest lag'),
          ],
          leftAnnotations: [
            {
              value: lagThreshold.toMilliseconds(),
              label: `PublishLag alarm (${lagThreshold.toHumanString()})`,
            },
          ],
          ...wide,
        }),
        fnWidget('Poller function', scheduled.fn, scheduled.timeout),
      ],
      [trackWidget, dlqWidget],
      [awsWidget],
      [
        new cloudwatch.LogQueryWidget({
          title: 'Last cycles',
          logGroupNames: [scheduled.logGroup.logGroupName],
          queryLines: [
            'filter message = "cycle summary"',
            'fields @timestamp, summary.messagesDue, summary.messagesPolled, summary.changes, summary.eventsPublished, summary.eventsPending, summary.lagMs.max, summary.durationMs, summary.stoppedBy',
            'sort @timestamp desc',
            'limit 50',
          ],
          width: 24,
          height: 6,
        }),
      ],
    ];
  }

  const { workQueue, worker } = fanOut;
  return [
    ...header,
    [
      new cloudwatch.GraphWidget({
        title: 'Dispatch and work queue',
        left: [
          serviceMetric(DISPATCHER_SERVICE, 'MessagesDispatched'),
          serviceMetric(DISPATCHER_SERVICE, 'DispatchFailures'),
          workQueue.metricNumberOfMessagesDeleted({ period: PERIOD, label: 'work items done' }),
        ],
        right: [
          workQueue.metricApproximateNumberOfMessagesVisible({
            period: PERIOD,
            statistic: cloudwatch.Stats.MAXIMUM,
            label: 'waiting',
          }),
          workQueue.metricApproximateNumberOfMessagesNotVisible({
            period: PERIOD,
            statistic: cloudwatch.Stats.MAXIMUM,
            label: 'in flight',
          }),
        ],
        ...wide,
      }),
      errorsByKind,
    ],
    [
      new cloudwatch.GraphWidget({
        title: 'Work queue: age of the oldest item (s)',
        left: [
          workQueue.metricApproximateAgeOfOldestMessage({
            period: PERIOD,
            statistic: cloudwatch.Stats.MAXIMUM,
          }),
        ],
        leftAnnotations: [
          {
            value: workQueueAgeThreshold(fanOut.workerTimeout).toSeconds(),
            label: 'WorkQueueAge alarm',
          },
        ],
        ...wide,
      }),
      fnWidget('Worker function', worker, fanOut.workerTimeout),
    ],
    [fnWidget('Dispatcher function', scheduled.fn, scheduled.timeout), trackWidget],
    [dlqWidget, awsWidget],
    [
      new cloudwatch.LogQueryWidget({
        title: 'Failed syncs (worker)',
        logGroupNames: [fanOut.workerLogGroup.logGroupName],
        queryLines: [
          `filter message = "${WORKER_SYNC_FAILED_LOG_MESSAGE}"`,
          'fields @timestamp, messageId, errorKind, reason',
          'sort @timestamp desc',
          'limit 50',
        ],
        width: 12,
        height: 6,
      }),
      new cloudwatch.LogQueryWidget({
        title: 'Last dispatches',
        logGroupNames: [scheduled.logGroup.logGroupName],
        queryLines: [
          'filter message = "dispatch summary"',
          'fields @timestamp, summary.due, summary.enqueued, summary.failed, summary.capped',
          'sort @timestamp desc',
          'limit 50',
        ],
        width: 12,
        height: 6,
      }),
    ],
  ];
}
