/**
 * The ready-to-deploy stack: one `MailPartnerStatusSync` (either mode) plus the
 * outputs the docs and the CLI need (table and bus names, the secret to fill in,
 * the functions, queues and topic an operator watches).
 */
import { CfnOutput, Stack, type StackProps } from 'aws-cdk-lib';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import type { Construct } from 'constructs';
import {
  MailPartnerStatusSync,
  type MailPartnerStatusSyncProps,
} from './mailpartner-status-sync.ts';

export interface MailPartnerStatusSyncStackProps extends StackProps {
  readonly sync?: MailPartnerStatusSyncProps;
  /** Subscribes this address to the alarm topic (AWS sends a confirmation mail first). */
  readonly alarmEmail?: string;
}

export class MailPartnerStatusSyncStack extends Stack {
  readonly sync: MailPartnerStatusSync;

  constructor(scope: Construct, id: string, props: MailPartnerStatusSyncStackProps = {}) {
    super(scope, id, {
      description: 'mailpartner-status-sync: MailPartner delivery statuses as EventBridge events',
      ...props,
    });
    this.sync = new MailPartnerStatusSync(this, 'StatusSync', props.sync);
    if (props.alarmEmail) {
      this.sync.alarmTopic.addSubscription(new subscriptions.EmailSubscription(props.alarmEmail));
    }

    const output = (id: string, value: string, description: string) =>
      new CfnOutput(this, id, { value, description });
    output('TableName', this.sync.table.tableName, 'TABLE_NAME for the status-sync CLI');
    output(
      'EventBusName',
      this.sync.eventBus.eventBusName,
      'EVENT_BUS_NAME: the bus to subscribe to and to put TrackMessage events on',
    );
    output(
      'ApiKeySecretArn',
      this.sync.apiKeySecret.secretArn,
      'Put your MailPartner API key in this secret',
    );
    output(
      'TrackMessageSource',
      this.sync.trackMessageSources.join(','),
      'source(s) of TrackMessage events',
    );
    output(
      'TrackRejectsQueueUrl',
      this.sync.trackRejectsQueue.queueUrl,
      'TrackMessage events that could not be tracked',
    );
    const { poller, fanOut } = this.sync;
    output(
      `${poller ? 'Poller' : 'Dispatcher'}DeadLetterQueueUrl`,
      this.sync.scheduleDeadLetterQueue.queueUrl,
      `Schedule ticks that could not reach the ${poller ? 'poller' : 'dispatcher'}`,
    );
    output('AlarmTopicArn', this.sync.alarmTopic.topicArn, 'Subscribe to receive alarms');
    output('SyncMode', this.sync.mode, 'single (one poller) or fan-out (dispatcher and workers)');
    if (poller) {
      output('PollerFunctionName', poller.functionName, 'The poller Lambda function');
    }
    if (fanOut) {
      output('DispatcherFunctionName', fanOut.dispatcher.functionName, 'The dispatcher function');
      output('WorkerFunctionName', fanOut.worker.functionName, 'The worker function');
      output('WorkQueueUrl', fanOut.workQueue.queueUrl, 'SQS FIFO queue of work items');
      output(
        'WorkDeadLetterQueueUrl',
        fanOut.workDeadLetterQueue.queueUrl,
        'Work items that failed repeatedly',
      );
    }
    if (this.sync.archive) {
      output('ArchiveName', this.sync.archive.archiveName, 'Archive to replay events from');
    }
    if (this.sync.observability.dashboard) {
      output(
        'DashboardName',
        this.sync.observability.dashboard.dashboardName,
        'CloudWatch dashboard',
      );
    }
  }
}
