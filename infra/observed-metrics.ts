/**
 * What the alarms and the dashboard of one MailPartnerStatusSync look at: the
 * resources they watch, and the CloudWatch metrics they read. Every metric of
 * the product's namespace is built here from shared/catalog/telemetry.ts (the
 * names, dimensions and service names the functions emit).
 */
import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type * as events from 'aws-cdk-lib/aws-events';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as logs from 'aws-cdk-lib/aws-logs';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { DIMENSIONS, type MetricName, type ServiceName } from '../shared/catalog/telemetry.ts';

/** Alarm and graph periods. */
export const PERIOD = Duration.minutes(5);

export interface DeadLetterQueueRef {
  /** Short name used in alarm and widget titles. */
  readonly label: string;
  readonly queue: sqs.IQueue;
  /** What a message in this queue means and what to do about it. */
  readonly meaning: string;
}

/** The resources the alarms and the dashboard watch. */
export interface ObservedResources {
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
  /** The bus the product publishes to: poison-message reports (MessagePollFailing) are counted on it. */
  readonly eventBus: events.IEventBus;
  /**
   * Namespace the functions emit into (their POWERTOOLS_METRICS_NAMESPACE).
   * Default `MailPartnerStatusSync` (METRICS_NAMESPACE).
   */
  readonly metricsNamespace?: string;
}

/** One visibility timeout (6 × worker timeout) plus 5 minutes: beyond one failed attempt. */
export function workQueueAgeThreshold(workerTimeout: Duration): Duration {
  return Duration.seconds(workerTimeout.toSeconds() * 6 + 300);
}

/** Operations the functions call on the table (see shared/store/dynamo-status-store.ts). */
export const TABLE_OPERATIONS = [
  dynamodb.Operation.QUERY,
  dynamodb.Operation.PUT_ITEM,
  dynamodb.Operation.UPDATE_ITEM,
  dynamodb.Operation.BATCH_WRITE_ITEM,
  dynamodb.Operation.GET_ITEM,
];

/**
 * The product's own metrics in one deployment's `namespace` (the construct's
 * `metricsNamespace`, already checked): every alarm and widget builds them
 * here, so none reads another deployment's namespace.
 */
export function productMetrics(namespace: string) {
  return {
    serviceMetric(
      service: ServiceName,
      metricName: MetricName,
      statistic: string = cloudwatch.Stats.SUM,
      label?: string,
    ) {
      return new cloudwatch.Metric({
        namespace,
        metricName,
        dimensionsMap: { [DIMENSIONS.service]: service },
        period: PERIOD,
        statistic,
        ...(label ? { label } : {}),
      });
    },
    syncErrorsMetric(service: ServiceName, errorKind: string) {
      const metricName: MetricName = 'SyncErrors';
      return new cloudwatch.Metric({
        namespace,
        metricName,
        dimensionsMap: { [DIMENSIONS.service]: service, [DIMENSIONS.errorKind]: errorKind },
        period: PERIOD,
        statistic: cloudwatch.Stats.SUM,
      });
    },
    /**
     * The metric schema `{namespace,dimension,...}` of a SEARCH expression. A
     * namespace with other characters than letters, digits and `/` is quoted,
     * as the SEARCH syntax requires; the default needs no quotes.
     */
    searchSchema(...dimensions: string[]) {
      const name = /^[A-Za-z0-9/]+$/.test(namespace) ? namespace : `"${namespace}"`;
      return `{${[name, ...dimensions].join(',')}}`;
    },
  };
}

export function putEventsThrottled(label?: string) {
  return new cloudwatch.Metric({
    namespace: 'AWS/Events',
    metricName: 'PutEventsApproximateThrottledCount',
    period: PERIOD,
    statistic: cloudwatch.Stats.SUM,
    ...(label ? { label } : {}),
  });
}
