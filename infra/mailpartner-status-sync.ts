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
 *   operator ─▶ aws lambda invoke forget-recipient ─▶ DynamoDB table (erasure, both modes)
 *
 * Defaults are the safe ones: data retained, deletion protection on, every
 * function allowed exactly the calls it makes on its own resources.
 *
 * The construct composes its parts: the shared resources (base-resources.ts),
 * the scheduled part the mode picks (single-poller.ts or fan-out-pair.ts, from
 * `SCHEDULED_PARTS`), the TrackMessage ingress (track-message-ingress.ts), the
 * roles and grants (function-permissions.ts) and the alarms and dashboard
 * (observability.ts). The parts create their resources in this construct's
 * scope, under the ids they have always had: a resource's logical id derives
 * from its construct path, and a changed one would replace it on deploy.
 */
import { Duration } from 'aws-cdk-lib';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as events from 'aws-cdk-lib/aws-events';
import type * as iam from 'aws-cdk-lib/aws-iam';
import type { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import type * as logs from 'aws-cdk-lib/aws-logs';
import type * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import type * as sns from 'aws-cdk-lib/aws-sns';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { EVENT_SOURCE } from '../shared/catalog/events.ts';
import { metricsNamespaceOf } from '../shared/catalog/telemetry.ts';
import {
  DEFAULT_TRACK_MESSAGE_SOURCE,
  TRACK_MESSAGE_DETAIL_TYPE,
} from '../shared/catalog/track-message.ts';
import { DEFAULT_BASE_URL } from '../shared/mailpartner/client.ts';
import { createAlarmTopic, createPlaceholderSecret, createTable } from './base-resources.ts';
import { EventSchemaRegistry } from './event-schema-registry.ts';
import { FanOutPair } from './fan-out-pair.ts';
import { ForgetRecipientFunction } from './forget-recipient-function.ts';
import { FunctionPermissions } from './function-permissions.ts';
import { StatusSyncObservability } from './observability.ts';
import type { FanOutResources, ScheduledPart } from './scheduled-part.ts';
import { SinglePoller } from './single-poller.ts';
import { grantTrackMessage, type SubscribeOptions, subscriptionRule } from './sync-api.ts';
import {
  lifecycleEnv,
  resolveSettings,
  type SyncContext,
  scheduledFunctionSettings,
} from './sync-context.ts';
import type { MailPartnerStatusSyncProps, SyncMode } from './sync-props.ts';
import { TrackMessageIngress } from './track-message-ingress.ts';

export { EventSchemaRegistry, type EventSchemaRegistryProps } from './event-schema-registry.ts';
export type { FanOutResources } from './scheduled-part.ts';
export type { SubscribeOptions } from './sync-api.ts';
/** Modes, defaults and limits (sync-props.ts), part of this module's public API as before. */
export * from './sync-props.ts';
/** The TrackMessage contract (shared/catalog/track-message.ts), for CDK users. */
export { DEFAULT_TRACK_MESSAGE_SOURCE, TRACK_MESSAGE_DETAIL_TYPE };

/** The scheduled part each mode builds: the one place the mode decides what is deployed. */
const SCHEDULED_PARTS: Record<SyncMode, (scope: Construct, ctx: SyncContext) => ScheduledPart> = {
  single: (scope, ctx) => new SinglePoller(scope, ctx),
  'fan-out': (scope, ctx) => new FanOutPair(scope, ctx),
};

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
  /**
   * Erasure of one recipient, invoked by an operator with `{"email": "<address>"}`
   * (docs/privacy.md); returns what it erased.
   */
  readonly forgetRecipient: NodejsFunction;
  readonly forgetRecipientLogGroup: logs.LogGroup;
  readonly alarmTopic: sns.ITopic;
  readonly observability: StatusSyncObservability;
  /** `source` of every event this deployment publishes (`eventSource`). */
  readonly eventSource: string;
  /** The schema registry of the catalog's events (absent with `schemaRegistry: false`). */
  readonly schemaRegistry?: EventSchemaRegistry;
  /** Namespace of this deployment's metrics (`metricsNamespace`), what its alarms read. */
  readonly metricsNamespace: string;

  constructor(scope: Construct, id: string, props: MailPartnerStatusSyncProps = {}) {
    super(scope, id);
    const settings = resolveSettings(props);
    this.mode = settings.mode;
    this.budgetPerMinute = settings.budget;

    this.eventSource = props.eventSource ?? EVENT_SOURCE;
    this.metricsNamespace = metricsNamespaceOf(props.metricsNamespace);
    this.table = createTable(this, props, settings.removalPolicy);
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
        description: `Every ${this.eventSource} event, for replay after a consumer outage`,
        eventPattern: { source: [this.eventSource] },
        retention: archiveRetention,
      });
    }
    this.apiKeySecret = props.apiKeySecret ?? createPlaceholderSecret(this, settings.removalPolicy);

    const ctx: SyncContext = {
      ...settings,
      props,
      table: this.table,
      eventBus: this.eventBus,
      permissions: new FunctionPermissions(this, {
        table: this.table,
        eventBus: this.eventBus,
        apiKeySecret: this.apiKeySecret,
        emailHashSaltSecret: props.emailHashSaltSecret,
        tableKey: props.tableEncryptionKey,
      }),
      syncEnv: {
        TABLE_NAME: this.table.tableName,
        EVENT_BUS_NAME: this.eventBus.eventBusName,
        // Only when set: the default deployment's template stays as it was.
        EVENT_SOURCE: props.eventSource,
        MAILPARTNER_API_KEY_SECRET: this.apiKeySecret.secretArn,
        EMAIL_HASH_SALT_SECRET: props.emailHashSaltSecret?.secretArn,
        MAILPARTNER_BASE_URL: props.mailPartnerBaseUrl ?? DEFAULT_BASE_URL,
        POLL_INTERVAL_SECONDS: String((props.messagePollInterval ?? settings.pollRate).toSeconds()),
        AUDIT_RETENTION_DAYS: String(settings.auditRetentionDays),
        PROVIDER_BUDGET_PER_MINUTE: String(settings.budget),
        ...lifecycleEnv(props.lifecycle),
      },
      scheduledSettings: scheduledFunctionSettings(settings),
    };

    const part = SCHEDULED_PARTS[settings.mode](this, ctx);
    this.poller = part.poller;
    this.pollerLogGroup = part.pollerLogGroup;
    this.fanOut = part.fanOut;
    this.scheduledFunction = part.scheduledFunction;
    this.schedule = part.ticks.schedule;
    this.scheduleDeadLetterQueue = part.ticks.scheduleDeadLetterQueue;

    const track = new TrackMessageIngress(this, ctx);
    this.trackMessage = track.trackMessage;
    this.trackMessageLogGroup = track.trackMessageLogGroup;
    this.trackMessageRule = track.trackMessageRule;
    this.trackRejectsQueue = track.trackRejectsQueue;
    this.trackMessageSources = track.trackMessageSources;

    const forget = new ForgetRecipientFunction(this, ctx);
    this.forgetRecipient = forget.forgetRecipient;
    this.forgetRecipientLogGroup = forget.forgetRecipientLogGroup;

    if (props.schemaRegistry ?? true) {
      this.schemaRegistry = new EventSchemaRegistry(this, 'Schemas', {
        source: this.eventSource,
        ...(props.schemaRegistryName ? { registryName: props.schemaRegistryName } : {}),
      });
    }

    this.alarmTopic = props.alarmTopic ?? createAlarmTopic(this);
    this.observability = new StatusSyncObservability(this, 'Observability', {
      eventBus: this.eventBus,
      eventSource: this.eventSource,
      metricsNamespace: this.metricsNamespace,
      ...part.observed,
      trackMessage: this.trackMessage,
      table: this.table,
      alarmTopic: this.alarmTopic,
      deadLetterQueues: [
        part.ticks.scheduleDeadLetter,
        track.rejects,
        ...part.otherDeadLetterQueues,
      ],
      dashboard: props.dashboard ?? true,
      ...(props.dashboardName ? { dashboardName: props.dashboardName } : {}),
    });
  }

  /** Every alarm of the construct. */
  get alarms() {
    return this.observability.alarms;
  }

  /**
   * A rule on this construct's bus sending the chosen events to `target`:
   * `sync.subscribe('Bounces', { detailTypes: ['RecipientNotDelivered'], target })`,
   * optionally only for messages tracked with some metadata (`{ tenant: 'acme' }`).
   */
  subscribe(id: string, options: SubscribeOptions): events.Rule {
    return subscriptionRule(this, id, this.eventBus, this.eventSource, options);
  }

  /**
   * Lets `grantee` (a backend's role or function) put TrackMessage events on
   * the bus, from the accepted `trackMessageSources` only, and nothing else.
   */
  grantTrackMessage(grantee: iam.IGrantable): iam.Grant {
    return grantTrackMessage(grantee, this.eventBus, this.trackMessageSources);
  }
}
