/**
 * Alarms and the dashboard of one MailPartnerStatusSync: what an operator is
 * woken for, and the picture they open next.
 *
 * Metric names and dimensions are the ones the functions emit through
 * Powertools (EMF): namespace `MailPartnerStatusSync`, dimension `service`
 * (`poller`, `track-message`), plus `errorKind` on `SyncErrors`. The bundle
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
export const TRACK_MESSAGE_SERVICE = 'track-message';

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
  readonly poller: lambda.IFunction;
  readonly pollerTimeout: Duration;
  readonly pollerLogGroup: logs.ILogGroup;
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
  readonly pollerErrorsAlarm: cloudwatch.Alarm;
  readonly syncFailuresAlarm: cloudwatch.Alarm;
  readonly eventsPendingAlarm: cloudwatch.Alarm;

  constructor(scope: Construct, id: string, props: StatusSyncObservabilityProps) {
    super(scope, id);
    const { poller, trackMessage, table } = props;
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

    // Provider configuration: the API key is missing or rejected, or the table,
    // bus or secret cannot be used. The cycle stops at once; nothing syncs.
    this.configurationErrorAlarm = alarm('ConfigurationErrors', {
      alarmDescription:
        'The poller stopped a cycle on a configuration error: MailPartner API key not set or rejected, secret unreadable, table or bus missing, or access denied. No message syncs until it is fixed. The poller log says which ("cycle stopped by a configuration error").',
      metric: syncErrors('configuration'),
      threshold: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 1,
    });

    this.pollerErrorsAlarm = alarm('PollerErrors', {
      alarmDescription:
        'The poller function itself failed (crash or timeout) in each of the last 15 minutes: cycles are not completing. See the poller log group.',
      metric: poller.metricErrors({ period: PERIOD, statistic: cloudwatch.Stats.SUM }),
      threshold: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: SUSTAINED,
      datapointsToAlarm: SUSTAINED,
    });

    const failureMetrics = Object.fromEntries(
      FAILURE_KINDS.map((kind, i) => [`e${i}`, syncErrors(kind)]),
    );
    this.syncFailuresAlarm = alarm('SyncFailures', {
      alarmDescription: `Messages have failed to sync in each of the last 15 minutes (error kinds: ${FAILURE_KINDS.join(', ')}). Failed messages are retried every cycle; the poller log names each message and reason ("message sync failed").`,
      metric: new cloudwatch.MathExpression({
        // Each kind is only emitted when it happens: a missing point counts as 0.
        expression: Object.keys(failureMetrics)
          .map((k) => `FILL(${k}, 0)`)
          .join(' + '),
        usingMetrics: failureMetrics,
        label: 'Sync failures',
        period: PERIOD,
      }),
      threshold: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: SUSTAINED,
      datapointsToAlarm: SUSTAINED,
    });

    this.eventsPendingAlarm = alarm('EventsPending', {
      alarmDescription:
        'Events have been waiting in the outbox for 15 minutes: PutEvents keeps failing or being throttled. Nothing is lost (they are published once the bus accepts them), but consumers are late.',
      metric: pollerMetric('EventsPending', cloudwatch.Stats.MAXIMUM),
      threshold: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: SUSTAINED,
      datapointsToAlarm: SUSTAINED,
    });

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

    alarm('PollerThrottles', {
      alarmDescription:
        'The poller has been throttled for 15 minutes: cycles last longer than the poll rate (reserved concurrency reached), or the account is out of Lambda concurrency. Raise the poll rate or the poller timeout budget, or look at why cycles are slow.',
      metric: poller.metricThrottles({ period: PERIOD, statistic: cloudwatch.Stats.SUM }),
      threshold: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: SUSTAINED,
      datapointsToAlarm: SUSTAINED,
    });

    alarm('TrackMessageThrottles', {
      alarmDescription:
        'The TrackMessage function has been throttled for 15 minutes (account out of Lambda concurrency). Lambda keeps retrying the events for a while; persistent throttling ends in the rejects queue.',
      metric: trackMessage.metricThrottles({ period: PERIOD, statistic: cloudwatch.Stats.SUM }),
      threshold: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: SUSTAINED,
      datapointsToAlarm: SUSTAINED,
    });

    alarm('TableThrottles', {
      alarmDescription:
        'DynamoDB has throttled requests to the status table for 15 minutes. The store retries, then reports "throttled" sync errors; check for a hot partition or a sudden traffic jump.',
      metric: table.metricThrottledRequestsForOperations({
        operations: TABLE_OPERATIONS,
        period: PERIOD,
      }),
      threshold: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: SUSTAINED,
      datapointsToAlarm: SUSTAINED,
    });

    alarm('PutEventsThrottled', {
      alarmDescription:
        'EventBridge has throttled PutEvents in this account and region for 15 minutes (the quota is shared by every bus and application). Pending events stay in the outbox until accepted; ask for a quota increase if it persists.',
      metric: new cloudwatch.Metric({
        namespace: 'AWS/Events',
        metricName: 'PutEventsApproximateThrottledCount',
        period: PERIOD,
        statistic: cloudwatch.Stats.SUM,
      }),
      threshold: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: SUSTAINED,
      datapointsToAlarm: SUSTAINED,
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

/** Operations the functions call on the table (see shared/store/dynamo-status-store.ts). */
const TABLE_OPERATIONS = [
  dynamodb.Operation.QUERY,
  dynamodb.Operation.PUT_ITEM,
  dynamodb.Operation.UPDATE_ITEM,
  dynamodb.Operation.BATCH_WRITE_ITEM,
  dynamodb.Operation.GET_ITEM,
];

function pollerMetric(metricName: string, statistic: string = cloudwatch.Stats.SUM) {
  return new cloudwatch.Metric({
    namespace: METRICS_NAMESPACE,
    metricName,
    dimensionsMap: { service: POLLER_SERVICE },
    period: PERIOD,
    statistic,
  });
}

function trackMetric(metricName: string) {
  return new cloudwatch.Metric({
    namespace: METRICS_NAMESPACE,
    metricName,
    dimensionsMap: { service: TRACK_MESSAGE_SERVICE },
    period: PERIOD,
    statistic: cloudwatch.Stats.SUM,
  });
}

function syncErrors(errorKind: string) {
  return new cloudwatch.Metric({
    namespace: METRICS_NAMESPACE,
    metricName: 'SyncErrors',
    dimensionsMap: { service: POLLER_SERVICE, errorKind },
    period: PERIOD,
    statistic: cloudwatch.Stats.SUM,
  });
}

function dashboardWidgets(
  props: StatusSyncObservabilityProps,
  alarms: readonly cloudwatch.Alarm[],
): cloudwatch.IWidget[][] {
  const { poller, trackMessage, table } = props;
  const wide = { width: 12, height: 6 };
  return [
    [
      new cloudwatch.TextWidget({
        markdown:
          '# MailPartner status sync\nPolls MailPartner for every tracked message and publishes one event per status change. Runbook: docs/deploy.md.',
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
    [
      new cloudwatch.GraphWidget({
        title: 'Sync cycles (per 5 minutes)',
        left: [
          pollerMetric('MessagesPolled'),
          pollerMetric('StatusChanges'),
          pollerMetric('EventsPublished'),
        ],
        right: [
          pollerMetric('EventsPending', cloudwatch.Stats.MAXIMUM),
          pollerMetric('MessagesSkipped'),
        ],
        ...wide,
      }),
      new cloudwatch.GraphWidget({
        title: 'Sync errors by kind',
        left: [
          new cloudwatch.MathExpression({
            // Every errorKind the poller has ever emitted, including kinds added later.
            expression: `SEARCH('{${METRICS_NAMESPACE},errorKind,service} MetricName="SyncErrors" service="${POLLER_SERVICE}"', 'Sum', 300)`,
            label: '',
            period: PERIOD,
          }),
        ],
        ...wide,
      }),
    ],
    [
      new cloudwatch.GraphWidget({
        title: 'Poller function',
        left: [
          poller.metricInvocations({ period: PERIOD }),
          poller.metricErrors({ period: PERIOD }),
          poller.metricThrottles({ period: PERIOD }),
        ],
        right: [
          poller.metricDuration({ period: PERIOD, statistic: cloudwatch.Stats.p(99) }),
          poller.metricDuration({ period: PERIOD, statistic: cloudwatch.Stats.MAXIMUM }),
        ],
        rightAnnotations: [{ value: props.pollerTimeout.toMilliseconds(), label: 'timeout' }],
        ...wide,
      }),
      new cloudwatch.GraphWidget({
        title: 'TrackMessage',
        left: [trackMetric('MessagesTracked'), trackMetric('TrackRequestsRejected')],
        right: [
          trackMessage.metricErrors({ period: PERIOD }),
          trackMessage.metricThrottles({ period: PERIOD }),
        ],
        ...wide,
      }),
    ],
    [
      new cloudwatch.GraphWidget({
        title: 'Dead-letter queues (messages visible)',
        left: props.deadLetterQueues.map((d) =>
          d.queue.metricApproximateNumberOfMessagesVisible({
            period: PERIOD,
            statistic: cloudwatch.Stats.MAXIMUM,
            label: d.label,
          }),
        ),
        ...wide,
      }),
      new cloudwatch.GraphWidget({
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
          new cloudwatch.Metric({
            namespace: 'AWS/Events',
            metricName: 'PutEventsApproximateThrottledCount',
            period: PERIOD,
            statistic: cloudwatch.Stats.SUM,
            label: 'PutEvents throttled (account)',
          }),
        ],
        ...wide,
      }),
    ],
    [
      new cloudwatch.LogQueryWidget({
        title: 'Last cycles',
        logGroupNames: [props.pollerLogGroup.logGroupName],
        queryLines: [
          'filter message = "cycle summary"',
          'fields @timestamp, summary.messagesDue, summary.messagesPolled, summary.changes, summary.eventsPublished, summary.eventsPending, summary.durationMs, summary.stoppedBy',
          'sort @timestamp desc',
          'limit 50',
        ],
        width: 24,
        height: 6,
      }),
    ],
  ];
}
