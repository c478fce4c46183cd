/**
 * cdk-nag's AWS Solutions checks over every stack shape we ship or document:
 * the ready stack in both modes, a stack overriding every prop, a fan-out stack
 * with customer managed keys, and the consumer example.
 * A finding fails the synthesis; every acknowledgement carries a written reason.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import type { IConstruct } from 'constructs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConsumerExampleStack } from '../../infra/consumer-example.ts';
import { MailPartnerStatusSync } from '../../infra/mailpartner-status-sync.ts';
import { MailPartnerStatusSyncStack } from '../../infra/mailpartner-status-sync-stack.ts';
import { type TestApp, testApp } from './synth.ts';

let t: TestApp;
let synthError: unknown;

beforeAll(() => {
  t = testApp({ nag: true });
  new MailPartnerStatusSyncStack(t.app, 'Defaults', { alarmEmail: 'ops@example.com' });
  const custom = new Stack(t.app, 'Custom', {
    env: { account: '111122223333', region: 'eu-west-1' },
  });
  const key = new kms.Key(custom, 'Key', { enableKeyRotation: true });
  new MailPartnerStatusSync(custom, 'StatusSync', {
    eventBus: events.EventBus.fromEventBusName(custom, 'Bus', 'orders'),
    archiveRetention: Duration.days(7),
    apiKeySecret: secretsmanager.Secret.fromSecretNameV2(custom, 'ApiKey', 'mailpartner/api-key'),
    tableEncryptionKey: key,
    alarmTopic: new sns.Topic(custom, 'Alarms', { masterKey: key, enforceSSL: true }),
    pollerReservedConcurrency: null,
    removalPolicy: RemovalPolicy.DESTROY,
    deletionProtection: false,
  });
  new MailPartnerStatusSyncStack(t.app, 'FanOut', { sync: { mode: 'fan-out' } });
  const customFanOut = new Stack(t.app, 'CustomFanOut', {
    env: { account: '111122223333', region: 'eu-west-1' },
  });
  const fanOutKey = new kms.Key(customFanOut, 'Key', { enableKeyRotation: true });
  new MailPartnerStatusSync(customFanOut, 'StatusSync', {
    mode: 'fan-out',
    workerConcurrency: 10,
    budgetPerMinute: 1200,
    eventBus: events.EventBus.fromEventBusName(customFanOut, 'Bus', 'orders'),
    apiKeySecret: secretsmanager.Secret.fromSecretNameV2(
      customFanOut,
      'ApiKey',
      'mailpartner/api-key',
    ),
    tableEncryptionKey: fanOutKey,
    alarmTopic: new sns.Topic(customFanOut, 'Alarms', { masterKey: fanOutKey, enforceSSL: true }),
    pollerReservedConcurrency: null,
  });
  new ConsumerExampleStack(t.app, 'Consumer', { eventBusName: 'mailpartner-status-sync' });
  try {
    t.synth();
  } catch (error) {
    synthError = error;
  }
}, 120_000);

afterAll(() => t?.cleanup());

function acknowledgements(root: IConstruct): { path: string; id: string; reason: string }[] {
  return root.node.findAll().flatMap((c) =>
    c.node.metadata
      .filter((m) => m.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
      .flatMap((m) =>
        Object.entries(m.data as Record<string, string>).map(([id, reason]) => ({
          path: c.node.path,
          id: id.replace(/^annotation::/i, ''),
          reason,
        })),
      ),
  );
}

describe('AwsSolutionsChecks', () => {
  it('finds nothing unacknowledged in any stack', () => {
    const report = JSON.parse(readFileSync(path.join(t.outdir, 'validation-report.json'), 'utf8'));
    const violations = (report.pluginReports ?? []).flatMap(
      (r: { violations?: { ruleName: string }[] }) => r.violations ?? [],
    );
    expect(violations).toEqual([]);
    expect(synthError).toBeUndefined();
  });

  it('acknowledges only three kinds of finding, each on one resource, each with a reason', () => {
    const acks = acknowledgements(t.app);
    expect(acks.map((a) => `${a.path} ${a.id}`).sort()).toEqual(
      [
        'Defaults/StatusSync/AlarmTopic AwsSolutions-SNS2',
        'Defaults/StatusSync/ApiKeySecret AwsSolutions-SMG4',
        'Defaults/StatusSync/PollerDeadLetterQueue AwsSolutions-SQS3',
        'Custom/StatusSync/PollerDeadLetterQueue AwsSolutions-SQS3',
        'FanOut/StatusSync/AlarmTopic AwsSolutions-SNS2',
        'FanOut/StatusSync/ApiKeySecret AwsSolutions-SMG4',
        'FanOut/StatusSync/DispatcherDeadLetterQueue AwsSolutions-SQS3',
        'CustomFanOut/StatusSync/DispatcherDeadLetterQueue AwsSolutions-SQS3',
      ].sort(),
    );
    for (const ack of acks) expect(ack.reason.length).toBeGreaterThan(60);
  });

  it('does fail a synthesis on a finding (the check above is not vacuous)', () => {
    const bad = testApp({ nag: true });
    try {
      new sqs.Queue(new Stack(bad.app, 'Bad'), 'PlainQueue');
      expect(() => bad.synth()).toThrow(/SQS queue does not require requests to use SSL/);
    } finally {
      bad.cleanup();
    }
  });
});
