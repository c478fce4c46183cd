/**
 * The IAM side of `MailPartnerStatusSync`: one role per function with no
 * managed policy, and per function exactly the calls it makes on the
 * construct's own resources (table, due index, bus, API key secret, keys).
 *
 * Roles are created in the construct's own scope, with the ids they always
 * had, so their logical ids (and every policy) stay as deployed.
 */
import { Stack } from 'aws-cdk-lib';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as logs from 'aws-cdk-lib/aws-logs';
import type * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import { DUE_INDEX } from '../shared/store/table.ts';

/** The resources the functions are granted calls on. */
export interface GrantedResources {
  readonly table: dynamodb.Table;
  readonly eventBus: events.IEventBus;
  readonly apiKeySecret: secretsmanager.ISecret;
  /** The email hash salt's secret, when the deployment hashes addresses. */
  readonly emailHashSaltSecret?: secretsmanager.ISecret | undefined;
  /** The table's customer managed key, if any. */
  readonly tableKey?: kms.IKey | undefined;
}

/** Roles and least-privilege grants for the functions of one construct. */
export class FunctionPermissions {
  constructor(
    private readonly scope: Construct,
    private readonly on: GrantedResources,
  ) {}

  /** A role with no managed policy: logs to its own log group only; grants are added per function. */
  role(id: string, name: string, logGroup: logs.LogGroup): iam.Role {
    const role = new iam.Role(this.scope, id, {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: `mailpartner-status-sync ${name} function`,
    });
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'OwnLogGroup',
        actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        resources: [logGroup.logGroupArn],
      }),
    );
    return role;
  }

  /**
   * Exactly what one cycle calls (shared/store/dynamo-status-store.ts):
   * listDue → Query on the `due` index; then per message what a worker does.
   */
  grantPoller(role: iam.Role): void {
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'QueryTableAndDueIndex',
        actions: ['dynamodb:Query'],
        resources: [this.on.table.tableArn, this.dueIndexArn()],
      }),
    );
    this.grantSyncMessage(role);
  }

  /**
   * The dispatcher only reads the due index (store.listDue → Query) and sends
   * work items (SendMessageBatch is authorised as sqs:SendMessage).
   */
  grantDispatcher(role: iam.Role, queue: sqs.IQueue): void {
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'QueryDueIndex',
        actions: ['dynamodb:Query'],
        resources: [this.dueIndexArn()],
      }),
    );
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'EnqueueWork',
        actions: ['sqs:SendMessage'],
        resources: [queue.queueArn],
      }),
    );
    this.grantTableKey(role);
  }

  /**
   * A worker syncs one message at a time, as the poller does, without listing
   * due messages: so no due index. The SQS event source's consume actions are
   * added by `SqsEventSource` (grantConsumeMessages) on the work queue.
   */
  grantWorker(role: iam.Role): void {
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'QueryTable',
        actions: ['dynamodb:Query'],
        resources: [this.on.table.tableArn],
      }),
    );
    this.grantSyncMessage(role);
  }

  /**
   * The tracking use case (shared/sync/track-message.ts): store.track → a
   * conditional PutItem, GetItem when already tracked; then the announcement's
   * flush: load → Query (table only), writeAudit → BatchWriteItem, PutEvents,
   * markPublished → UpdateItem of META's outbox.
   */
  grantTrackMessage(role: iam.Role): void {
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'TrackInTable',
        actions: [
          'dynamodb:PutItem',
          'dynamodb:GetItem',
          'dynamodb:Query',
          'dynamodb:UpdateItem',
          'dynamodb:BatchWriteItem',
        ],
        resources: [this.on.table.tableArn],
      }),
    );
    this.grantPublish(role);
    this.grantSalt(role);
    this.grantTableKey(role);
  }

  /**
   * The erasure (shared/store/erase-recipient.ts and the privacy adapters):
   * one Scan of the table; per message holding the person, load and audit
   * Queries, a PutItem per chunk, an UpdateItem of META and BatchWriteItem of
   * audit records; the tombstone's PutItem and UpdateItem; the publication
   * form's GetItem (and PutItem when none is recorded); the salt. No bus.
   */
  grantForgetRecipient(role: iam.Role): void {
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'EraseFromTable',
        actions: [
          'dynamodb:Scan',
          'dynamodb:Query',
          'dynamodb:GetItem',
          'dynamodb:PutItem',
          'dynamodb:UpdateItem',
          'dynamodb:BatchWriteItem',
        ],
        resources: [this.on.table.tableArn],
      }),
    );
    this.grantSalt(role);
    this.grantTableKey(role);
  }

  /**
   * Syncing one message (shared/sync/sync-message.ts): load → Query (granted by
   * the caller); commit → PutItem per chunk (+ UpdateItem for the chunk count);
   * markPublished → PutItem per chunk, UpdateItem of META's outbox; finish,
   * retire, recordPoll → UpdateItem; writeAudit → BatchWriteItem; publish →
   * PutEvents; the API key → GetSecretValue; the publication form → GetItem
   * (PutItem the first time); the tombstones → Query (granted by the caller).
   */
  private grantSyncMessage(role: iam.Role): void {
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'WriteTable',
        actions: [
          'dynamodb:PutItem',
          'dynamodb:UpdateItem',
          'dynamodb:BatchWriteItem',
          'dynamodb:GetItem',
        ],
        resources: [this.on.table.tableArn],
      }),
    );
    this.grantPublish(role);
    this.grantSecret(role, this.on.apiKeySecret, 'ApiKey');
    this.grantSalt(role);
    this.grantTableKey(role);
  }

  /** The salt's secret, when the deployment hashes addresses. */
  private grantSalt(role: iam.Role): void {
    if (this.on.emailHashSaltSecret) {
      this.grantSecret(role, this.on.emailHashSaltSecret, 'EmailHashSalt');
    }
  }

  /** GetSecretValue on one secret (and Decrypt through Secrets Manager with its own key). */
  private grantSecret(role: iam.Role, secret: secretsmanager.ISecret, name: string): void {
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: `Read${name}`,
        actions: ['secretsmanager:GetSecretValue'],
        resources: [secretArnForPolicies(secret)],
      }),
    );
    if (secret.encryptionKey) {
      role.addToPrincipalPolicy(
        new iam.PolicyStatement({
          sid: `Decrypt${name}`,
          actions: ['kms:Decrypt'],
          resources: [secret.encryptionKey.keyArn],
          conditions: {
            StringEquals: { 'kms:ViaService': `secretsmanager.${this.region()}.amazonaws.com` },
          },
        }),
      );
    }
  }

  private grantPublish(role: iam.Role): void {
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'PublishToOwnBus',
        actions: ['events:PutEvents'],
        resources: [this.on.eventBus.eventBusArn],
      }),
    );
  }

  /** Use of the table's customer managed key (if it has one), through DynamoDB only. */
  private grantTableKey(role: iam.Role): void {
    const key = this.on.tableKey;
    if (!key) return;
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'UseTableKeyThroughDynamoDB',
        actions: ['kms:Decrypt', 'kms:DescribeKey', 'kms:Encrypt', 'kms:GenerateDataKey'],
        resources: [key.keyArn],
        conditions: {
          StringEquals: { 'kms:ViaService': `dynamodb.${this.region()}.amazonaws.com` },
        },
      }),
    );
  }

  private dueIndexArn(): string {
    return `${this.on.table.tableArn}/index/${DUE_INDEX.name}`;
  }

  private region(): string {
    return Stack.of(this.scope).region;
  }
}

/**
 * The ARN to name in a policy: a secret imported by name or partial ARN has
 * Secrets Manager's random 6-character suffix still to match.
 */
function secretArnForPolicies(secret: secretsmanager.ISecret): string {
  return secret.secretFullArn ?? `${secret.secretArn}-??????`;
}
