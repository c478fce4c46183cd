/**
 * The consumer example of the docs: RecipientDelivered events of the 'spring'
 * campaign go to an SQS queue. Its pattern must name fields the catalog really has.
 */
import { Match, Template } from 'aws-cdk-lib/assertions';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConsumerExampleStack } from '../../infra/consumer-example.ts';
import { catalog, EVENT_SOURCE } from '../../shared/catalog/events.ts';
import { type TestApp, testApp } from './synth.ts';

let t: TestApp;
let stack: ConsumerExampleStack;
let template: Template;

beforeAll(() => {
  t = testApp();
  stack = new ConsumerExampleStack(t.app, 'Consumer', { eventBusName: 'mailpartner-status-sync' });
  template = Template.fromStack(stack);
}, 120_000);

afterAll(() => t?.cleanup());

describe('ConsumerExampleStack', () => {
  it('matches RecipientDelivered of the spring campaign on the status-sync bus', () => {
    template.hasResourceProperties('AWS::Events::Rule', {
      EventBusName: 'mailpartner-status-sync',
      EventPattern: {
        source: [EVENT_SOURCE],
        'detail-type': ['RecipientDelivered'],
        detail: { metadata: { campaign: ['spring'] } },
      },
    });
  });

  it('sends them to the queue, retrying, with a dead-letter queue for both delivery and processing', () => {
    template.hasResourceProperties('AWS::Events::Rule', {
      Targets: [
        {
          Arn: stack.resolve(stack.queue.queueArn),
          Id: Match.anyValue(),
          DeadLetterConfig: { Arn: stack.resolve(stack.deadLetterQueue.queueArn) },
          RetryPolicy: { MaximumRetryAttempts: 8, MaximumEventAgeInSeconds: 86_400 },
        },
      ],
    });
    template.hasResourceProperties('AWS::SQS::Queue', {
      RedrivePolicy: {
        deadLetterTargetArn: stack.resolve(stack.deadLetterQueue.queueArn),
        maxReceiveCount: 5,
      },
    });
    template.hasResourceProperties('AWS::SQS::QueuePolicy', {
      Queues: [stack.resolve(stack.queue.queueUrl)],
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Action: Match.arrayWith(['sqs:SendMessage']),
            Principal: { Service: 'events.amazonaws.com' },
            Condition: { ArnEquals: { 'aws:SourceArn': stack.resolve(stack.rule.ruleArn) } },
          }),
        ]),
      },
    });
  });

  it('filters on fields every recipient event has', () => {
    const shape = catalog.RecipientDelivered.detail.shape;
    expect(shape).toHaveProperty('metadata');
    expect(catalog.RecipientDelivered.detail.parse(sampleDetail()).metadata.campaign).toBe(
      'spring',
    );
  });
});

function sampleDetail() {
  return {
    eventId: 'e-1',
    messageId: 'm-1',
    email: 'ada@example.com',
    token: '',
    status: 'Delivered',
    previousStatus: 'Sent',
    cost: 1,
    stopMail: false,
    statusAt: '2026-11-27T09:00:00Z',
    observedAt: '2026-11-27T09:01:00Z',
    sequence: 2,
    metadata: { campaign: 'spring' },
  };
}
