/**
 * Single mode's scheduled part: one poller that runs whole sync cycles, its
 * role and log group, and the schedule rule (with its DLQ) that runs it.
 *
 *   schedule rule ─▶ poller ─▶ MailPartner bulk-status
 *                      │  └──▶ DynamoDB table (state, outbox, audit trail)
 *                      └─────▶ event bus
 *
 * Not a construct of its own: it creates its resources in the scope it is
 * given (the `MailPartnerStatusSync`), under the ids they always had, so that
 * their logical ids, and a deployed stack, do not change.
 */
import { Duration } from 'aws-cdk-lib';
import { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import type * as logs from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import { SERVICES } from '../shared/catalog/telemetry.ts';
import { functionEnvironment } from '../shared/config.ts';
import { functionDefaults } from './bundling.ts';
import type { DeadLetterQueueRef } from './observed-metrics.ts';
import { type ScheduledPart, type ScheduleTicks, scheduleTicks } from './scheduled-part.ts';
import { functionLogGroup, RUNTIME_ENV, type SyncContext } from './sync-context.ts';

/** The poller, scheduled every `pollRate`. */
export class SinglePoller implements ScheduledPart {
  readonly poller: NodejsFunction;
  readonly pollerLogGroup: logs.LogGroup;
  readonly scheduledFunction: NodejsFunction;
  readonly ticks: ScheduleTicks;
  readonly observed: ScheduledPart['observed'];
  readonly otherDeadLetterQueues: readonly DeadLetterQueueRef[] = [];

  constructor(scope: Construct, ctx: SyncContext) {
    const { props } = ctx;
    this.pollerLogGroup = functionLogGroup(scope, 'PollerLogs', ctx);
    const role = ctx.permissions.role('PollerRole', 'poller', this.pollerLogGroup);
    this.poller = new NodejsFunction(scope, 'Poller', {
      ...functionDefaults('poller'),
      description: 'mailpartner-status-sync: one sync cycle per scheduled tick',
      memorySize: 512,
      timeout: ctx.pollerTimeout,
      ...ctx.scheduledSettings,
      role,
      logGroup: this.pollerLogGroup,
      environment: functionEnvironment(
        SERVICES.poller,
        {
          ...ctx.syncEnv,
          POLL_CONCURRENCY: props.pollConcurrency ?? 8,
          ...RUNTIME_ENV,
        },
        ctx.props.metricsNamespace,
      ),
    });
    ctx.permissions.grantPoller(role);
    this.scheduledFunction = this.poller;

    this.ticks = scheduleTicks(scope, {
      label: 'Poller',
      ruleId: 'Poll',
      fn: this.poller,
      pollRate: ctx.pollRate,
    });

    this.observed = {
      scheduled: {
        label: 'Poller',
        fn: this.poller,
        timeout: ctx.pollerTimeout,
        logGroup: this.pollerLogGroup,
      },
      // A quiet message is polled only every maxPollInterval: its late changes are normal.
      publishLagThreshold:
        props.publishLagAlarmThreshold ?? ctx.maxPollInterval.plus(Duration.minutes(15)),
    };
  }
}
