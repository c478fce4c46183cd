/**
 * The scheduled part of a `MailPartnerStatusSync`: what either mode builds
 * (single-poller.ts or fan-out-pair.ts) and hands back to the construct, and
 * the schedule both put in front of their scheduled function.
 */
import type { Duration } from 'aws-cdk-lib';
import { Validations } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import type { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import type * as logs from 'aws-cdk-lib/aws-logs';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import type { DeadLetterQueueRef, ObservedResources } from './observed-metrics.ts';
import { clampEventAge, deadLetterQueue } from './sync-context.ts';

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

/** The scheduled function and what runs it, as either mode builds them. */
export interface ScheduledPart {
  /** Single mode: the function that runs sync cycles. */
  readonly poller?: NodejsFunction;
  readonly pollerLogGroup?: logs.LogGroup;
  /** Fan-out mode: dispatcher, work queue and its DLQ, worker. */
  readonly fanOut?: FanOutResources;
  /** The poller, or the dispatcher in fan-out mode. */
  readonly scheduledFunction: NodejsFunction;
  /** The rule that runs `scheduledFunction` and its dead-letter queue (`scheduleTicks`). */
  readonly ticks: ScheduleTicks;
  /** What the alarms and the dashboard watch of this part. */
  readonly observed: Pick<ObservedResources, 'scheduled' | 'fanOut' | 'publishLagThreshold'>;
  /** The part's other dead-letter queues, watched after the TrackMessage rejects. */
  readonly otherDeadLetterQueues: readonly DeadLetterQueueRef[];
}

/** The rule that runs the scheduled function every `pollRate`, with its dead-letter queue. */
export interface ScheduleTicks {
  readonly schedule: events.Rule;
  readonly scheduleDeadLetterQueue: sqs.Queue;
  /** The schedule's dead-letter queue, watched first. */
  readonly scheduleDeadLetter: DeadLetterQueueRef;
}

/**
 * Creates `<label>DeadLetterQueue` and `<ruleId>Schedule` in `scope` (the
 * construct itself: the ids, hence the logical ids, are the ones deployed).
 */
export function scheduleTicks(
  scope: Construct,
  options: {
    readonly label: 'Poller' | 'Dispatcher';
    readonly ruleId: 'Poll' | 'Dispatch';
    readonly fn: NodejsFunction;
    readonly pollRate: Duration;
  },
): ScheduleTicks {
  const { label, pollRate } = options;
  const what = label.toLowerCase();
  const scheduleDeadLetterQueue = deadLetterQueue(scope, `${label}DeadLetterQueue`);
  Validations.of(scheduleDeadLetterQueue).acknowledge({
    id: 'AwsSolutions-SQS3',
    reason: `This queue is itself a dead-letter queue: the EventBridge target DLQ of the ${what} schedule (cdk-nag only recognises SQS redrive and Lambda DLQs).`,
  });
  const schedule = new events.Rule(scope, `${options.ruleId}Schedule`, {
    description: `Runs the mailpartner-status-sync ${what} every ${pollRate.toHumanString()}`,
    schedule: events.Schedule.rate(pollRate),
    targets: [
      new targets.LambdaFunction(options.fn, {
        deadLetterQueue: scheduleDeadLetterQueue,
        retryAttempts: 2,
        maxEventAge: clampEventAge(pollRate),
      }),
    ],
  });
  return {
    schedule,
    scheduleDeadLetterQueue,
    scheduleDeadLetter: {
      label: `${label}DeadLetterQueue`,
      queue: scheduleDeadLetterQueue,
      meaning: `EventBridge could not invoke the ${what} (function deleted, permission removed, Lambda unavailable): messages are not being polled. The messages themselves are only schedule ticks; purge them once fixed.`,
    },
  };
}
