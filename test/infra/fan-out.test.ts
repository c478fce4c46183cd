/**
 * Fan-out mode as CloudFormation: the dispatcher on the schedule (no poller),
 * the FIFO work queue and its DLQ, the worker on an SQS event source with
 * partial batch failures, the rate-limit settings, exact permissions, alarms,
 * dashboard and outputs. One synthesis of two stacks: the ready stack in
 * fan-out mode (defaults) and a stack overriding the fan-out props.
 */
import { Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import type * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  type FanOutResources,
  MailPartnerStatusSync,
  type MailPartnerStatusSyncProps,
  VISIBILITY_TIMEOUT_FACTOR,
  workerRequestsPerMinute,
} from '../../infra/mailpartner-status-sync.ts';
import { MailPartnerStatusSyncStack } from '../../infra/mailpartner-status-sync-stack.ts';
import type { BulkStatus } from '../../shared/model.ts';
import { throttledProvider } from '../../shared/sync/throttled-provider.ts';
import { defined, type TestApp, testApp } from './synth.ts';
import { dashboardWidgets, policyStatements } from './template.ts';

const SECRET_ARN =
  'arn:aws:secretsmanager:eu-west-1:111122223333:secret:mailpartner/api-key-AbCdEf';

let t: TestApp;
let stack: MailPartnerStatusSyncStack;
let sync: MailPartnerStatusSync;
let fan: FanOutResources;
let template: Template;
/** workerConcurrency 10, budget 1,200, 3-minute worker timeout, 2-minute rate, customer managed keys. */
let custom: Stack;
let customFan: FanOutResources;
let customTemplate: Template;
let customKey: kms.Key;

beforeAll(() => {
  t = testApp();
  stack = new MailPartnerStatusSyncStack(t.app, 'FanOut', { sync: { mode: 'fan-out' } });
  sync = stack.sync;
  fan = defined(sync.fanOut, 'the fan-out resources');

  custom = new Stack(t.app, 'CustomFanOut', {
    env: { account: '111122223333', region: 'eu-west-1' },
  });
  customKey = new kms.Key(custom, 'Key', { enableKeyRotation: true });
  const customSync = new MailPartnerStatusSync(custom, 'StatusSync', {
    mode: 'fan-out',
    workerConcurrency: 10,
    budgetPerMinute: 1200,
    workerTimeout: Duration.minutes(3),
    pollRate: Duration.minutes(2),
    pollerReservedConcurrency: null,
    apiKeySecret: secretsmanager.Secret.fromSecretAttributes(custom, 'ApiKey', {
      secretCompleteArn: SECRET_ARN,
      encryptionKey: customKey,
    }),
    tableEncryptionKey: customKey,
    dashboard: false,
    removalPolicy: RemovalPolicy.DESTROY,
    deletionProtection: false,
  });
  customFan = defined(customSync.fanOut, 'the custom fan-out resources');
  // One synthesis for the whole app: the second call reads the same assembly.
  template = Template.fromStack(stack);
  customTemplate = Template.fromStack(custom);
}, 120_000);

afterAll(() => t?.cleanup());

const ref = (value: string) => stack.resolve(value);

describe('fan-out mode: functions and schedule', () => {
  it('has no poller: the dispatcher, the worker, the TrackMessage and ForgetRecipient functions only', () => {
    expect(sync.mode).toBe('fan-out');
    expect(sync.poller).toBeUndefined();
    expect(sync.scheduledFunction).toBe(fan.dispatcher);
    template.resourceCountIs('AWS::Lambda::Function', 4);
    for (const fn of Object.values(template.findResources('AWS::Lambda::Function'))) {
      const env = (fn as { Properties: { Environment: { Variables: Record<string, unknown> } } })
        .Properties.Environment.Variables;
      expect(env.POWERTOOLS_SERVICE_NAME).not.toBe('poller');
    }
  });

  it('runs the dispatcher, not a poller, on the schedule: one rule, same retries and DLQ', () => {
    const schedules = template.findResources('AWS::Events::Rule', {
      Properties: { ScheduleExpression: Match.anyValue() },
    });
    expect(Object.values(schedules)).toHaveLength(1);
    template.hasResourceProperties('AWS::Events::Rule', {
      ScheduleExpression: 'rate(1 minute)',
      EventBusName: Match.absent(),
      Targets: [
        {
          Arn: ref(fan.dispatcher.functionArn),
          Id: Match.anyValue(),
          DeadLetterConfig: { Arn: ref(sync.scheduleDeadLetterQueue.queueArn) },
          RetryPolicy: { MaximumRetryAttempts: 2, MaximumEventAgeInSeconds: 60 },
        },
      ],
    });
    template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
      FunctionName: ref(fan.dispatcher.functionName),
      MaximumRetryAttempts: 0,
      MaximumEventAgeInSeconds: 60,
    });
    customTemplate.hasResourceProperties('AWS::Events::Rule', {
      ScheduleExpression: 'rate(2 minutes)',
      Targets: [Match.objectLike({ Arn: custom.resolve(customFan.dispatcher.functionArn) })],
    });
  });

  it('gives the dispatcher the work queue, the budget and the table, nothing to sync with', () => {
    template.hasResourceProperties('AWS::Lambda::Function', {
      Runtime: 'nodejs24.x',
      Architectures: ['arm64'],
      Handler: 'index.handler',
      Timeout: 60,
      MemorySize: 256,
      ReservedConcurrentExecutions: 1,
      LoggingConfig: { LogGroup: ref(fan.dispatcherLogGroup.logGroupName) },
      Environment: {
        Variables: {
          TABLE_NAME: ref(sync.table.tableName),
          WORK_QUEUE_URL: ref(fan.workQueue.queueUrl),
          PROVIDER_BUDGET_PER_MINUTE: '1800',
          POWERTOOLS_SERVICE_NAME: 'dispatcher',
          POWERTOOLS_METRICS_NAMESPACE: 'MailPartnerStatusSync',
          POWERTOOLS_LOG_LEVEL: 'INFO',
          NODE_OPTIONS: '--enable-source-maps',
        },
      },
    });
  });

  it('runs at most workerConcurrency workers, each told the budget and the worker count', () => {
    template.hasResourceProperties('AWS::Lambda::Function', {
      Runtime: 'nodejs24.x',
      Architectures: ['arm64'],
      Timeout: 120,
      MemorySize: 512,
      ReservedConcurrentExecutions: 5,
      LoggingConfig: { LogGroup: ref(fan.workerLogGroup.logGroupName) },
      Environment: {
        Variables: {
          TABLE_NAME: ref(sync.table.tableName),
          EVENT_BUS_NAME: ref(sync.eventBus.eventBusName),
          MAILPARTNER_API_KEY_SECRET: ref(sync.apiKeySecret.secretArn),
          MAILPARTNER_BASE_URL: 'https://api.mailpartner.fr/v1',
          POLL_INTERVAL_SECONDS: '60',
          AUDIT_RETENTION_DAYS: '90',
          PROVIDER_BUDGET_PER_MINUTE: '1800',
          WORKER_CONCURRENCY: '5',
          POWERTOOLS_SERVICE_NAME: 'worker',
          POWERTOOLS_METRICS_NAMESPACE: 'MailPartnerStatusSync',
          POWERTOOLS_LOG_LEVEL: 'INFO',
          NODE_OPTIONS: '--enable-source-maps',
        },
      },
    });
    customTemplate.hasResourceProperties('AWS::Lambda::Function', {
      Timeout: 180,
      ReservedConcurrentExecutions: 10,
      Environment: {
        Variables: Match.objectLike({
          PROVIDER_BUDGET_PER_MINUTE: '1200',
          WORKER_CONCURRENCY: '10',
        }),
      },
    });
    // The dispatcher without reserved concurrency when asked (pollerReservedConcurrency: null).
    customTemplate.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ POWERTOOLS_SERVICE_NAME: 'dispatcher' }) },
      ReservedConcurrentExecutions: Match.absent(),
    });
  });

  it('feeds the worker from the work queue by 10, reporting failures per message, no more concurrently than reserved', () => {
    template.resourceCountIs('AWS::Lambda::EventSourceMapping', 1);
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      EventSourceArn: ref(fan.workQueue.queueArn),
      FunctionName: ref(fan.worker.functionName),
      BatchSize: 10,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      ScalingConfig: { MaximumConcurrency: 5 },
      MaximumBatchingWindowInSeconds: Match.absent(),
    });
    customTemplate.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      ScalingConfig: { MaximumConcurrency: 10 },
    });
  });
});

describe('fan-out mode: the work queue', () => {
  it('is FIFO with explicit deduplication ids, encrypted, and redrives to a FIFO DLQ after 5 receives', () => {
    template.hasResourceProperties('AWS::SQS::Queue', {
      FifoQueue: true,
      ContentBasedDeduplication: false,
      SqsManagedSseEnabled: true,
      MessageRetentionPeriod: 86_400,
      RedrivePolicy: {
        deadLetterTargetArn: ref(fan.workDeadLetterQueue.queueArn),
        maxReceiveCount: 5,
      },
    });
    template.hasResourceProperties('AWS::SQS::Queue', {
      FifoQueue: true,
      SqsManagedSseEnabled: true,
      MessageRetentionPeriod: 1_209_600,
      RedrivePolicy: Match.absent(),
    });
    template.resourcePropertiesCountIs('AWS::SQS::Queue', { FifoQueue: true }, 2);
  });

  it('refuses plain HTTP on both queues', () => {
    for (const queue of [fan.workQueue, fan.workDeadLetterQueue]) {
      template.hasResourceProperties('AWS::SQS::QueuePolicy', {
        Queues: [ref(queue.queueUrl)],
        PolicyDocument: {
          Statement: Match.arrayWith([
            Match.objectLike({
              Effect: 'Deny',
              Action: 'sqs:*',
              Condition: { Bool: { 'aws:SecureTransport': 'false' } },
            }),
          ]),
        },
      });
    }
  });

  it('has a visibility timeout of at least 6 times the worker timeout', () => {
    for (const [tpl, s, f] of [
      [template, stack, fan],
      [customTemplate, custom, customFan],
    ] as const) {
      const resources = tpl.toJSON().Resources as Record<
        string,
        { Properties: { Timeout?: number; VisibilityTimeout?: number } }
      >;
      const timeout =
        resources[s.getLogicalId(f.worker.node.defaultChild as never)]?.Properties.Timeout;
      const visibility =
        resources[s.getLogicalId(f.workQueue.node.defaultChild as never)]?.Properties
          .VisibilityTimeout;
      expect(timeout).toBeGreaterThan(0);
      expect(visibility).toBeGreaterThanOrEqual(VISIBILITY_TIMEOUT_FACTOR * (timeout ?? 0));
    }
    template.hasResourceProperties('AWS::SQS::Queue', { VisibilityTimeout: 720 });
    customTemplate.hasResourceProperties('AWS::SQS::Queue', { VisibilityTimeout: 1080 });
  });
});

describe('fan-out mode: permissions', () => {
  it('four roles, none with a managed policy', () => {
    template.resourceCountIs('AWS::IAM::Role', 4);
    template.resourcePropertiesCountIs('AWS::IAM::Role', { ManagedPolicyArns: Match.absent() }, 4);
  });

  it('the dispatcher may query the due index and send to the work queue: nothing else', () => {
    const table = ref(sync.table.tableArn);
    expect(policyStatements(template, stack, fan.dispatcher.role as iam.IRole)).toEqual([
      {
        Sid: 'OwnLogGroup',
        Effect: 'Allow',
        Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        Resource: ref(fan.dispatcherLogGroup.logGroupArn),
      },
      {
        Sid: 'QueryDueIndex',
        Effect: 'Allow',
        Action: 'dynamodb:Query',
        Resource: { 'Fn::Join': ['', [table, '/index/due']] },
      },
      {
        Sid: 'EnqueueWork',
        Effect: 'Allow',
        Action: 'sqs:SendMessage',
        Resource: ref(fan.workQueue.queueArn),
      },
    ]);
  });

  it('the worker may sync as the poller does (no due index), and consume the work queue: nothing else', () => {
    const table = ref(sync.table.tableArn);
    expect(policyStatements(template, stack, fan.worker.role as iam.IRole)).toEqual([
      {
        Sid: 'OwnLogGroup',
        Effect: 'Allow',
        Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        Resource: ref(fan.workerLogGroup.logGroupArn),
      },
      { Sid: 'QueryTable', Effect: 'Allow', Action: 'dynamodb:Query', Resource: table },
      {
        Sid: 'WriteTable',
        Effect: 'Allow',
        Action: [
          'dynamodb:PutItem',
          'dynamodb:UpdateItem',
          'dynamodb:BatchWriteItem',
          'dynamodb:GetItem',
        ],
        Resource: table,
      },
      {
        Sid: 'PublishToOwnBus',
        Effect: 'Allow',
        Action: 'events:PutEvents',
        Resource: ref(sync.eventBus.eventBusArn),
      },
      {
        Sid: 'ReadApiKey',
        Effect: 'Allow',
        Action: 'secretsmanager:GetSecretValue',
        Resource: ref(sync.apiKeySecret.secretArn),
      },
      // Added by the SQS event source (grantConsumeMessages).
      {
        Effect: 'Allow',
        Action: [
          'sqs:ReceiveMessage',
          'sqs:ChangeMessageVisibility',
          'sqs:GetQueueUrl',
          'sqs:DeleteMessage',
          'sqs:GetQueueAttributes',
        ],
        Resource: ref(fan.workQueue.queueArn),
      },
    ]);
  });

  it('with customer managed keys, adds their use through DynamoDB and Secrets Manager only', () => {
    const key = custom.resolve(customKey.keyArn);
    const tableKey = {
      Sid: 'UseTableKeyThroughDynamoDB',
      Effect: 'Allow',
      Action: ['kms:Decrypt', 'kms:DescribeKey', 'kms:Encrypt', 'kms:GenerateDataKey'],
      Resource: key,
      Condition: { StringEquals: { 'kms:ViaService': 'dynamodb.eu-west-1.amazonaws.com' } },
    };
    const dispatcher = policyStatements(
      customTemplate,
      custom,
      customFan.dispatcher.role as iam.IRole,
    );
    expect(dispatcher).toContainEqual(tableKey);
    expect(dispatcher).toHaveLength(4);
    const worker = policyStatements(customTemplate, custom, customFan.worker.role as iam.IRole);
    expect(worker).toContainEqual(tableKey);
    expect(worker).toContainEqual({
      Sid: 'DecryptApiKey',
      Effect: 'Allow',
      Action: 'kms:Decrypt',
      Resource: key,
      Condition: {
        StringEquals: { 'kms:ViaService': 'secretsmanager.eu-west-1.amazonaws.com' },
      },
    });
    expect(worker).toContainEqual(
      expect.objectContaining({ Sid: 'ReadApiKey', Resource: SECRET_ARN }),
    );
  });
});

describe('fan-out mode: observability', () => {
  it('has sixteen alarms, each notifying the alarm topic on ALARM and OK', () => {
    template.resourceCountIs('AWS::CloudWatch::Alarm', 16);
    const topic = ref(sync.alarmTopic.topicArn);
    template.resourcePropertiesCountIs(
      'AWS::CloudWatch::Alarm',
      { AlarmActions: [topic], OKActions: [topic] },
      16,
    );
  });

  it('alarms on the depth of the work DLQ, and on work items waiting beyond one visibility timeout', () => {
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'AWS/SQS',
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Dimensions: [{ Name: 'QueueName', Value: ref(fan.workDeadLetterQueue.queueName) }],
      Threshold: 1,
      EvaluationPeriods: 1,
    });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'AWS/SQS',
      MetricName: 'ApproximateAgeOfOldestMessage',
      Dimensions: [{ Name: 'QueueName', Value: ref(fan.workQueue.queueName) }],
      Statistic: 'Maximum',
      // 6 × 120 s + 5 minutes.
      Threshold: 1020,
      ComparisonOperator: 'GreaterThanThreshold',
      EvaluationPeriods: 3,
      DatapointsToAlarm: 3,
    });
  });

  it('alarms on worker and dispatcher errors and throttles', () => {
    for (const fn of [fan.worker, fan.dispatcher]) {
      for (const metric of ['Errors', 'Throttles']) {
        template.hasResourceProperties('AWS::CloudWatch::Alarm', {
          Namespace: 'AWS/Lambda',
          MetricName: metric,
          Dimensions: [{ Name: 'FunctionName', Value: ref(fn.functionName) }],
          EvaluationPeriods: 3,
          DatapointsToAlarm: 3,
        });
      }
    }
  });

  it('alarms on dispatch failures, as the dispatcher emits them', () => {
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'MailPartnerStatusSync',
      MetricName: 'DispatchFailures',
      Dimensions: [{ Name: 'service', Value: 'dispatcher' }],
      EvaluationPeriods: 3,
    });
  });

  it("alarms on the workers' own SyncErrors metric, at once on a configuration error", () => {
    // The worker emits SyncErrors{service=worker, errorKind} (EMF): no metric from log lines.
    template.resourceCountIs('AWS::Logs::MetricFilter', 0);
    const dimensions = (errorKind: string) => [
      { Name: 'errorKind', Value: errorKind },
      { Name: 'service', Value: 'worker' },
    ];
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'MailPartnerStatusSync',
      MetricName: 'SyncErrors',
      Dimensions: dimensions('configuration'),
      Threshold: 1,
      EvaluationPeriods: 1,
    });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Metrics: Match.arrayWith([
        Match.objectLike({
          MetricStat: Match.objectLike({
            Metric: Match.objectLike({
              MetricName: 'SyncErrors',
              Dimensions: dimensions('transient'),
            }),
          }),
        }),
      ]),
      EvaluationPeriods: 3,
    });
  });

  it('has no poller alarms: nothing watches metrics no function emits', () => {
    const alarms = JSON.stringify(template.findResources('AWS::CloudWatch::Alarm'));
    expect(alarms).not.toContain('"poller"');
    expect(alarms).not.toContain('PublishLag');
  });

  it('shows dispatch, the work queue, the worker and the dispatcher on the dashboard', () => {
    const widgets = dashboardWidgets(template);
    const titles = widgets.map((w) => w.properties.title);
    expect(titles).toEqual(
      expect.arrayContaining([
        'Dispatch and work queue',
        'Work queue: age of the oldest item (s)',
        'Worker function',
        'Dispatcher function',
        'Failed syncs (worker)',
        'Dead-letter queues (messages visible)',
      ]),
    );
    const dispatch = widgets.find((w) => w.properties.title === 'Dispatch and work queue');
    expect(dispatch?.properties.metrics).toEqual(
      expect.arrayContaining([
        ['MailPartnerStatusSync', 'MessagesDispatched', 'service', 'dispatcher', expect.anything()],
      ]),
    );
    const dlqs = widgets.find(
      (w) => w.properties.title === 'Dead-letter queues (messages visible)',
    );
    expect(dlqs?.properties.metrics?.map((m) => m.at(-1))).toEqual([
      expect.objectContaining({ label: 'DispatcherDeadLetterQueue' }),
      expect.objectContaining({ label: 'TrackRejectsQueue' }),
      expect.objectContaining({ label: 'WorkDeadLetterQueue' }),
    ]);
  });

  it('outputs the fan-out resources instead of the poller', () => {
    for (const name of [
      'DispatcherFunctionName',
      'WorkerFunctionName',
      'WorkQueueUrl',
      'WorkDeadLetterQueueUrl',
      'DispatcherDeadLetterQueueUrl',
    ]) {
      template.hasOutput(name, {});
    }
    template.hasOutput('SyncMode', { Value: 'fan-out' });
    expect(Object.keys(template.findOutputs('PollerFunctionName'))).toEqual([]);
    expect(Object.keys(template.findOutputs('PollerDeadLetterQueueUrl'))).toEqual([]);
  });
});

describe('the shared rate limit', () => {
  /** A construct built in a throwaway app (never synthesized). */
  function build(props: MailPartnerStatusSyncProps): void {
    const scratch = testApp();
    try {
      new MailPartnerStatusSync(new Stack(scratch.app, 'Scratch'), 'StatusSync', props);
    } finally {
      scratch.cleanup();
    }
  }

  it('takes a budget below 2,000 a minute only', () => {
    for (const budgetPerMinute of [2000, 2500, 0, 1800.5]) {
      expect(() => build({ budgetPerMinute })).toThrow(
        `budgetPerMinute must be a whole number from 1 to 1999 (below MailPartner's 2000 requests a minute), got ${budgetPerMinute}`,
      );
    }
    expect(() => build({ budgetPerMinute: 1999 })).not.toThrow();
  });

  it('refuses worker settings whose throttles add up to more than the budget, and says what fits', () => {
    expect(() => build({ mode: 'fan-out', budgetPerMinute: 1000 })).toThrow(
      /each worker may make 240 requests a minute .* 1200 in all, above the budget\. Use a budget that is a multiple of 60 × workerConcurrency \(here 900\)/,
    );
    expect(() => build({ mode: 'fan-out', workerConcurrency: 7 })).toThrow(/2100 in all/);
    expect(() => build({ mode: 'fan-out', workerConcurrency: 1 })).toThrow(
      /workerConcurrency must be a whole number from 2 to 100/,
    );
    expect(() => build({ mode: 'fan-out', workerTimeout: Duration.minutes(20) })).toThrow(
      /workerTimeout must be from 30 seconds to 15 minutes/,
    );
    // In single mode the worker settings do not apply.
    expect(() => build({ budgetPerMinute: 1000 })).not.toThrow();
  });

  it("computes a worker's requests a minute exactly as the worker's throttle allows them", async () => {
    vi.useFakeTimers({ now: new Date('2026-11-27T09:00:00Z') });
    try {
      for (const [budget, workers] of [
        [1800, 5],
        [1200, 10],
        [1800, 7],
        [1000, 5],
      ] as const) {
        let calls = 0;
        const inner = {
          bulkStatus: async () => {
            calls += 1;
            return {} as BulkStatus;
          },
        };
        // What functions/worker.ts builds: budget / WORKER_CONCURRENCY a minute.
        const provider = throttledProvider(inner, { perMinute: budget / workers });
        for (let i = 0; i < 600; i++) void provider.bulkStatus(`m-${i}`);
        await vi.advanceTimersByTimeAsync(60_000 - 1);
        expect(calls, `budget ${budget}, ${workers} workers`).toBe(
          workerRequestsPerMinute(budget, workers),
        );
        vi.clearAllTimers();
      }
    } finally {
      vi.useRealTimers();
    }
  });

  it('keeps the defaults within the budget: 5 workers × 360 = 1,800 a minute', () => {
    expect(5 * workerRequestsPerMinute(1800, 5)).toBe(1800);
    expect(sync.budgetPerMinute).toBe(1800);
    expect(fan.workerConcurrency).toBe(5);
  });
});
