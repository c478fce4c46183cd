/**
 * The TrackMessage ingress, in both modes: a rule on the bus for TrackMessage
 * events, the function that starts tracking the message, and the rejects queue
 * for events that could not be tracked.
 *
 *   TrackMessage event on the bus ─▶ track-message ─▶ DynamoDB table
 *
 * Not a construct of its own: it creates its resources in the scope it is
 * given (the `MailPartnerStatusSync`), under the ids they always had, so that
 * their logical ids, and a deployed stack, do not change.
 */
import { Duration } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import type * as logs from 'aws-cdk-lib/aws-logs';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import { SERVICES } from '../shared/catalog/telemetry.ts';
import {
  DEFAULT_TRACK_MESSAGE_SOURCE,
  TRACK_MESSAGE_DETAIL_TYPE,
} from '../shared/catalog/track-message.ts';
import { functionEnvironment } from '../shared/config.ts';
import { functionDefaults } from './bundling.ts';
import type { DeadLetterQueueRef } from './observed-metrics.ts';
import {
  deadLetterQueue,
  functionLogGroup,
  RUNTIME_ENV,
  type SyncContext,
} from './sync-context.ts';

/** Rule, function and rejects queue of the TrackMessage entry point. */
export class TrackMessageIngress {
  readonly trackMessage: NodejsFunction;
  readonly trackMessageLogGroup: logs.LogGroup;
  readonly trackMessageRule: events.Rule;
  /** TrackMessage events that could not be tracked (bad input, or undeliverable). */
  readonly trackRejectsQueue: sqs.Queue;
  readonly trackMessageSources: readonly string[];
  /** The rejects queue as the alarms watch it. */
  readonly rejects: DeadLetterQueueRef;

  constructor(scope: Construct, ctx: SyncContext) {
    const { props } = ctx;
    this.trackRejectsQueue = deadLetterQueue(scope, 'TrackRejectsQueue');
    this.trackMessageLogGroup = functionLogGroup(scope, 'TrackMessageLogs', ctx);
    const role = ctx.permissions.role(
      'TrackMessageRole',
      'track-message',
      this.trackMessageLogGroup,
    );
    this.trackMessage = new NodejsFunction(scope, 'TrackMessage', {
      ...functionDefaults('track-message'),
      description: 'mailpartner-status-sync: starts tracking a message from a TrackMessage event',
      memorySize: 256,
      role,
      logGroup: this.trackMessageLogGroup,
      // One retry covers a passing DynamoDB fault; a bad event fails the same way twice,
      // then goes to the rejects queue with the error in its ErrorMessage attribute.
      retryAttempts: 1,
      maxEventAge: Duration.hours(1),
      deadLetterQueue: this.trackRejectsQueue,
      environment: functionEnvironment(
        SERVICES.trackMessage,
        {
          TABLE_NAME: ctx.table.tableName,
          EVENT_BUS_NAME: ctx.eventBus.eventBusName,
          EVENT_SOURCE: ctx.syncEnv.EVENT_SOURCE,
          AUDIT_RETENTION_DAYS: ctx.auditRetentionDays,
          MAILPARTNER_COMMERCIAL_HOLD: String(props.commercialHold ?? true),
          // Its announcement goes through the publication check like every event.
          EMAIL_HASH_SALT_SECRET: props.emailHashSaltSecret?.secretArn,
          ...RUNTIME_ENV,
        },
        ctx.props.metricsNamespace,
      ),
    });
    ctx.permissions.grantTrackMessage(role);

    this.trackMessageSources = props.trackMessageSources ?? [DEFAULT_TRACK_MESSAGE_SOURCE];
    this.trackMessageRule = new events.Rule(scope, 'TrackMessageRule', {
      description: 'Starts tracking a MailPartner message from a TrackMessage event',
      eventBus: ctx.eventBus,
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

    this.rejects = {
      label: 'TrackRejectsQueue',
      queue: this.trackRejectsQueue,
      meaning:
        'A TrackMessage event could not be tracked. Each message body is the original event; its ErrorMessage (or ERROR_MESSAGE) attribute says why. Fix the publisher, put the event again, then delete the message.',
    };
  }
}
