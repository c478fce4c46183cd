/**
 * What a consumer writes: a rule on the status-sync bus that sends
 * `RecipientDelivered` events of one campaign (a metadata value given when the
 * message was tracked) to an SQS queue. Used by the docs and the tests; copy it
 * into your own app.
 */
import { Duration, Stack, type StackProps } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import { EVENT_SOURCE } from '../shared/catalog/events.ts';

export interface ConsumerExampleStackProps extends StackProps {
  /** Name of the status-sync bus (stack output `EventBusName`). */
  readonly eventBusName: string;
  /** Default 'spring'. */
  readonly campaign?: string;
}

export class ConsumerExampleStack extends Stack {
  readonly queue: sqs.Queue;
  readonly deadLetterQueue: sqs.Queue;
  readonly rule: events.Rule;

  constructor(scope: Construct, id: string, props: ConsumerExampleStackProps) {
    super(scope, id, props);
    const bus = events.EventBus.fromEventBusName(this, 'StatusSyncBus', props.eventBusName);

    this.deadLetterQueue = new sqs.Queue(this, 'DeliveredDeadLetters', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    this.queue = new sqs.Queue(this, 'CampaignDelivered', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      deadLetterQueue: { queue: this.deadLetterQueue, maxReceiveCount: 5 },
    });

    this.rule = new events.Rule(this, 'CampaignDeliveredRule', {
      eventBus: bus,
      description: 'RecipientDelivered events of one campaign, to a queue',
      eventPattern: {
        source: [EVENT_SOURCE],
        detailType: ['RecipientDelivered'],
        detail: { metadata: { campaign: [props.campaign ?? 'spring'] } },
      },
      targets: [
        new targets.SqsQueue(this.queue, {
          deadLetterQueue: this.deadLetterQueue,
          retryAttempts: 8,
          maxEventAge: Duration.hours(24),
        }),
      ],
    });
  }
}
