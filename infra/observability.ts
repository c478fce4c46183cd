/**
 * Alarms and the dashboard of one MailPartnerStatusSync: what an operator is
 * woken for, and the picture they open next (dashboard.ts).
 *
 * Every metric read is one the functions emit through Powertools (EMF), named
 * in shared/catalog/telemetry.ts: the deployment's namespace (`metricsNamespace`), the `service` dimension of
 * each function, the metric names and their extra dimensions (`errorKind` on
 * `SyncErrors`, emitted by the poller and by each worker). test/infra/
 * telemetry.test.ts holds the alarms and dashboard of both modes, and what the
 * handlers emit, to it.
 */
import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as events from 'aws-cdk-lib/aws-events';
import type * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import { EVENT_SOURCE } from '../shared/catalog/events.ts';
import { metricsNamespaceOf, SERVICES } from '../shared/catalog/telemetry.ts';
import { dashboardWidgets } from './dashboard.ts';
import {
  type ObservedResources,
  PERIOD,
  productMetrics,
  putEventsThrottled,
  TABLE_OPERATIONS,
  workQueueAgeThreshold,
} from './observed-metrics.ts';

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

/** "Sustained" means 3 alarm periods in a row. */
const SUSTAINED = 3;

export interface StatusSyncObservabilityProps extends ObservedResources {
  /** `source` of the deployment's events. Default `mailpartner.status-sync`. */
  readonly eventSource?: string;
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
  /** MailPartner answered with another message's statuses (issue 16 finding 9). */
  readonly replyMismatchAlarm: cloudwatch.Alarm;
  /** A message failed the same way 5 polls in a row (MessagePollFailing on the bus). */
  readonly poisonMessageAlarm: cloudwatch.Alarm;
  /** Counts MessagePollFailing events for `poisonMessageAlarm` (it has no target). */
  readonly poisonMessageRule: events.Rule;

  constructor(scope: Construct, id: string, props: StatusSyncObservabilityProps) {
    super(scope, id);
    const { scheduled, fanOut, trackMessage, table } = props;
    // This deployment's namespace only: another deployment's metrics never reach its alarms.
    const { serviceMetric, syncErrorsMetric } = productMetrics(
      metricsNamespaceOf(props.metricsNamespace),
    );
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
    // Who syncs messages, and so emits SyncErrors: the poller, or each worker.
    const syncService = fanOut ? SERVICES.worker : SERVICES.poller;
    const syncErrors = (errorKind: string) => syncErrorsMetric(syncService, errorKind);

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

    // One occurrence is enough: a cache or proxy in front of MailPartner mixed up
    // replies. Nothing of such a reply is applied; every later poll may be wrong too.
    this.replyMismatchAlarm = alarm('ReplyMismatch', {
      alarmDescription:
        'MailPartner answered a poll with the statuses of another message (its messageId differs from the one asked): a cache or proxy in front of the API mixed replies up. Nothing of that reply was applied and the message backs off; look for "ReplyForOtherMessageError" in the log and check MAILPARTNER_BASE_URL and any proxy.',
      metric: syncErrors('reply-mismatch'),
      threshold: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 1,
    });

    // Poison messages are reported on the bus (MessagePollFailing, once per streak):
    // a rule without a target counts them, and the alarm watches the count.
    this.poisonMessageRule = new events.Rule(this, 'PoisonMessageRule', {
      description:
        'Counts MessagePollFailing events (poison messages) for the PoisonMessages alarm',
      eventBus: props.eventBus,
      eventPattern: {
        source: [props.eventSource ?? EVENT_SOURCE],
        detailType: ['MessagePollFailing'],
      },
    });
    this.poisonMessageAlarm = alarm('PoisonMessages', {
      alarmDescription:
        'A tracked message failed the same way on 5 polls in a row (a poison message): it is backed off (up to the longest poll interval) and the others go on. The MessagePollFailing event on the bus names the message, the error kind and the last error; the sync log has every failure.',
      metric: new cloudwatch.Metric({
        namespace: 'AWS/Events',
        metricName: 'MatchedEvents',
        dimensionsMap: { RuleName: this.poisonMessageRule.ruleName },
        period: PERIOD,
        statistic: cloudwatch.Stats.SUM,
      }),
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
        metric: serviceMetric(SERVICES.poller, 'EventsPending', cloudwatch.Stats.MAXIMUM),
        ...sustained,
      });
      const lagThreshold = props.publishLagThreshold ?? Duration.minutes(45);
      this.publishLagAlarm = alarm('PublishLag', {
        alarmDescription: `Status changes have reached the bus more than ${lagThreshold.toHumanString()} after MailPartner's status time, in each of the last 15 minutes (PublishLagMax). Quiet messages are polled only every maxPollInterval, so some lag is normal; this much means cycles fall behind: more messages due than the budget (cycle summary "messagesDue" above "messagesPolled"), cycles stopping at their deadline, or MailPartner reporting late. Consider fan-out mode or a shorter maxPollInterval.`,
        metric: serviceMetric(SERVICES.poller, 'PublishLagMax', cloudwatch.Stats.MAXIMUM),
        threshold: lagThreshold.toMilliseconds(),
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
        evaluationPeriods: SUSTAINED,
        datapointsToAlarm: SUSTAINED,
      });
    } else {
      this.dispatchFailuresAlarm = alarm('DispatchFailures', {
        alarmDescription:
          'The dispatcher could not enqueue due messages in each of the last 15 minutes (SQS refused SendMessageBatch entries after retries). Those messages stay due and are tried again next minute; the dispatcher log has the "dispatch summary".',
        metric: serviceMetric(SERVICES.dispatcher, 'DispatchFailures'),
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
