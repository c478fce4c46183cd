/**
 * What every part of one `MailPartnerStatusSync` is built from: the props
 * checked and defaulted once (`resolveSettings`), the shared resources, and
 * small builders the parts share (log groups, dead-letter queues, event ages).
 */
import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type * as events from 'aws-cdk-lib/aws-events';
import type { NodejsFunctionProps } from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import type { EnvValues } from '../shared/config.ts';
import type { FunctionPermissions } from './function-permissions.ts';
import {
  DEFAULT_BUDGET_PER_MINUTE,
  type MailPartnerStatusSyncProps,
  PROVIDER_LIMIT_PER_MINUTE,
  type SyncMode,
} from './sync-props.ts';

/** The props after their checks, with every default applied. */
export interface SyncSettings {
  readonly mode: SyncMode;
  readonly removalPolicy: RemovalPolicy;
  readonly logRetention: logs.RetentionDays;
  readonly pollRate: Duration;
  readonly pollerTimeout: Duration;
  readonly auditRetentionDays: number;
  readonly budget: number;
  /** Reserved concurrency of the scheduled function; null: none. */
  readonly reserved: number | null;
  readonly maxPollInterval: Duration;
}

/** What a part (the scheduled part, the TrackMessage ingress) is built from. */
export interface SyncContext extends SyncSettings {
  readonly props: MailPartnerStatusSyncProps;
  readonly table: dynamodb.Table;
  readonly eventBus: events.IEventBus;
  readonly permissions: FunctionPermissions;
  /** What syncing a message needs: the same for the poller and a worker. */
  readonly syncEnv: EnvValues;
  /** Settings of the scheduled function, whichever it is. */
  readonly scheduledSettings: Pick<
    NodejsFunctionProps,
    'reservedConcurrentExecutions' | 'retryAttempts' | 'maxEventAge'
  >;
}

/** Checks the props that both modes read and applies their defaults. */
export function resolveSettings(props: MailPartnerStatusSyncProps): SyncSettings {
  const mode = props.mode ?? 'single';
  if (mode !== 'single' && mode !== 'fan-out') {
    throw new Error(`mode must be 'single' or 'fan-out', got '${String(mode)}'`);
  }
  const pollRate = props.pollRate ?? Duration.minutes(1);
  if (pollRate.toMinutes() < 1) {
    throw new Error(
      `pollRate must be at least 1 minute (EventBridge's smallest rate), got ${pollRate}`,
    );
  }
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
  return {
    mode,
    removalPolicy: props.removalPolicy ?? RemovalPolicy.RETAIN,
    logRetention: props.logRetention ?? logs.RetentionDays.ONE_MONTH,
    pollRate,
    pollerTimeout: props.pollerTimeout ?? Duration.minutes(5),
    auditRetentionDays,
    budget,
    reserved: props.pollerReservedConcurrency === undefined ? 1 : props.pollerReservedConcurrency,
    maxPollInterval: props.lifecycle?.maxPollInterval ?? Duration.minutes(30),
  };
}

/** The scheduled function's settings: one run at a time by default, no retried ticks. */
export function scheduledFunctionSettings(settings: SyncSettings) {
  return {
    ...(settings.reserved === null ? {} : { reservedConcurrentExecutions: settings.reserved }),
    // A failed tick is not retried: the next tick is the retry. A tick queued
    // behind a running one (throttled) is dropped once it is a period old.
    retryAttempts: 0,
    maxEventAge: clampEventAge(settings.pollRate),
  };
}

/** The lifecycle props as environment values; unset ones keep shared/config.ts's defaults. */
export function lifecycleEnv(lifecycle: MailPartnerStatusSyncProps['lifecycle']): EnvValues {
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
export const RUNTIME_ENV: EnvValues = {
  POWERTOOLS_LOG_LEVEL: 'INFO',
  NODE_OPTIONS: '--enable-source-maps',
};

/** A function's own log group, kept as the construct's removal policy says. */
export function functionLogGroup(scope: Construct, id: string, ctx: SyncContext): logs.LogGroup {
  return new logs.LogGroup(scope, id, {
    retention: ctx.logRetention,
    removalPolicy: ctx.removalPolicy,
  });
}

/** Lambda and EventBridge accept event ages from 60 s to 6 h (Lambda) / 24 h (EventBridge). */
export function clampEventAge(age: Duration): Duration {
  return Duration.seconds(Math.min(Math.max(age.toSeconds(), 60), 6 * 3600));
}

/** An encrypted, TLS-only standard queue that keeps failures 14 days. */
export function deadLetterQueue(scope: Construct, id: string): sqs.Queue {
  return new sqs.Queue(scope, id, {
    encryption: sqs.QueueEncryption.SQS_MANAGED,
    enforceSSL: true,
    retentionPeriod: Duration.days(14),
  });
}
