/**
 * The dashboard of one MailPartnerStatusSync: the picture an operator opens
 * after an alarm. Single mode shows the poller's cycles and publish lag;
 * fan-out the dispatcher, the work queue and the workers' syncs. Metrics come
 * from observed-metrics.ts, in the deployment's namespace; log queries filter on the catalog's log messages.
 */
import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import {
  DIMENSIONS,
  LOG_MESSAGES,
  type MetricName,
  metricsNamespaceOf,
  SERVICES,
} from '../shared/catalog/telemetry.ts';
import {
  type ObservedResources,
  PERIOD,
  productMetrics,
  putEventsThrottled,
  TABLE_OPERATIONS,
  workQueueAgeThreshold,
} from './observed-metrics.ts';

/** The dashboard's rows of widgets; `alarms` fill its alarm status widget. */
export function dashboardWidgets(
  props: ObservedResources,
  alarms: readonly cloudwatch.Alarm[],
): cloudwatch.IWidget[][] {
  const { scheduled, fanOut, trackMessage, table } = props;
  const { serviceMetric, searchSchema } = productMetrics(
    metricsNamespaceOf(props.metricsNamespace),
  );
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
  const syncService = fanOut ? SERVICES.worker : SERVICES.poller;
  const syncErrors: MetricName = 'SyncErrors';
  const errorsByKind = new cloudwatch.GraphWidget({
    title: fanOut ? 'Sync errors by kind (workers)' : 'Sync errors by kind',
    left: [
      new cloudwatch.MathExpression({
        // Every errorKind ever seen, including kinds added later.
        expression: `SEARCH('${searchSchema(DIMENSIONS.errorKind, DIMENSIONS.service)} MetricName="${syncErrors}" ${DIMENSIONS.service}="${syncService}"', 'Sum', 300)`,
        label: '',
        period: PERIOD,
      }),
    ],
    ...wide,
  });
  const trackWidget = new cloudwatch.GraphWidget({
    title: 'TrackMessage',
    left: [
      serviceMetric(SERVICES.trackMessage, 'MessagesTracked'),
      serviceMetric(SERVICES.trackMessage, 'TrackRequestsRejected'),
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
            serviceMetric(SERVICES.poller, 'MessagesPolled'),
            serviceMetric(SERVICES.poller, 'StatusChanges'),
            serviceMetric(SERVICES.poller, 'EventsPublished'),
          ],
          right: [
            serviceMetric(SERVICES.poller, 'EventsPending', cloudwatch.Stats.MAXIMUM),
            serviceMetric(SERVICES.poller, 'MessagesSkipped'),
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
              SERVICES.poller,
              'PublishLagMean',
              cloudwatch.Stats.AVERAGE,
              'mean lag (average of cycles)',
            ),
            serviceMetric(
              SERVICES.poller,
              'PublishLagMax',
              cloudwatch.Stats.MAXIMUM,
              'largest lag',
            ),
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
            `filter message = "${LOG_MESSAGES.cycleSummary}"`,
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
          serviceMetric(SERVICES.dispatcher, 'MessagesDispatched'),
          serviceMetric(SERVICES.dispatcher, 'DispatchFailures'),
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
        title: 'Worker syncs (per 5 minutes)',
        left: [
          serviceMetric(SERVICES.worker, 'MessagesPolled'),
          serviceMetric(SERVICES.worker, 'StatusChanges'),
          serviceMetric(SERVICES.worker, 'EventsPublished'),
        ],
        right: [serviceMetric(SERVICES.worker, 'EventsPending', cloudwatch.Stats.MAXIMUM)],
        width: 24,
        height: 6,
      }),
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
          `filter message = "${LOG_MESSAGES.workerSyncFailed}"`,
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
          `filter message = "${LOG_MESSAGES.dispatchSummary}"`,
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
