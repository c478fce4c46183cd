/**
 * The construct as CloudFormation: every resource, setting and permission the
 * product promises, read from the synthesized templates of the ready stack
 * (defaults) and of a stack that overrides every prop.
 */
import { Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as events from 'aws-cdk-lib/aws-events';
import type * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import type { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as sns from 'aws-cdk-lib/aws-sns';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TRACK_MESSAGE_DETAIL_TYPE as HANDLER_DETAIL_TYPE } from '../../functions/track-message.ts';
import {
  DEFAULT_TRACK_MESSAGE_SOURCE,
  MailPartnerStatusSync,
  TRACK_MESSAGE_DETAIL_TYPE,
} from '../../infra/mailpartner-status-sync.ts';
import { MailPartnerStatusSyncStack } from '../../infra/mailpartner-status-sync-stack.ts';
import { PLACEHOLDER_FIELD } from '../../runtime/api-key.ts';
import { EVENT_SOURCE } from '../../shared/catalog/events.ts';
import {
  DUE_INDEX,
  PARTITION_KEY,
  RECIPIENT_INDEX,
  SORT_KEY,
  TTL_ATTRIBUTE,
} from '../../shared/store/table.ts';
import { defined, type TestApp, testApp } from './synth.ts';
import { dashboardWidgets, policyStatements } from './template.ts';

const SECRET_ARN =
  'arn:aws:secretsmanager:eu-west-1:111122223333:secret:mailpartner/api-key-AbCdEf';
const TOPIC_ARN = 'arn:aws:sns:eu-west-1:111122223333:ops-alarms';

let t: TestApp;
let stack: MailPartnerStatusSyncStack;
let sync: MailPartnerStatusSync;
let template: Template;
/** Every prop overridden: existing bus, secret and topic, customer managed keys, no extras. */
let custom: Stack;
let customSync: MailPartnerStatusSync;
let customTemplate: Template;
let customKey: kms.Key;
let poller: NodejsFunction;
let pollerLogGroup: logs.LogGroup;
let customPoller: NodejsFunction;

beforeAll(() => {
  t = testApp();
  stack = new MailPartnerStatusSyncStack(t.app, 'Defaults');
  sync = stack.sync;

  custom = new Stack(t.app, 'Custom', { env: { account: '111122223333', region: 'eu-west-1' } });
  customKey = new kms.Key(custom, 'Key', { enableKeyRotation: true });
  customSync = new MailPartnerStatusSync(custom, 'StatusSync', {
    eventBus: events.EventBus.fromEventBusName(custom, 'Bus', 'orders'),
    archiveRetention: null,
    apiKeySecret: secretsmanager.Secret.fromSecretAttributes(custom, 'ApiKey', {
      secretCompleteArn: SECRET_ARN,
      encryptionKey: customKey,
    }),
    tableEncryptionKey: customKey,
    alarmTopic: sns.Topic.fromTopicArn(custom, 'Alarms', TOPIC_ARN),
    dashboard: false,
    pollRate: Duration.minutes(5),
    lifecycle: { trackingWindow: Duration.hours(72), maxPollInterval: Duration.minutes(15) },
    pollerReservedConcurrency: null,
    logRetention: logs.RetentionDays.ONE_WEEK,
    removalPolicy: RemovalPolicy.DESTROY,
    deletionProtection: false,
    trackMessageSources: ['com.acme.orders'],
    commercialHold: false,
  });
  poller = defined(sync.poller, 'the poller');
  pollerLogGroup = defined(sync.pollerLogGroup, 'the poller log group');
  customPoller = defined(customSync.poller, 'the custom poller');
  // One synthesis for the whole app: the second call reads the same assembly.
  template = Template.fromStack(stack);
  customTemplate = Template.fromStack(custom);
}, 120_000);

afterAll(() => t?.cleanup());

describe('the commercial hold', () => {
  const holdOf = (tpl: Template) =>
    Object.values(tpl.findResources('AWS::Lambda::Function'))
      .map(
        (f) =>
          (f as { Properties: { Environment?: { Variables?: Record<string, unknown> } } })
            .Properties.Environment?.Variables?.MAILPARTNER_COMMERCIAL_HOLD,
      )
      .filter((v) => v !== undefined);

  it('is on by default and switched off by commercialHold: false, where tracking starts', () => {
    expect(holdOf(template)).toEqual(['true']);
    expect(holdOf(customTemplate)).toEqual(['false']);
  });
});

describe('the table', () => {
  it('uses the key schema, due index and TTL attribute of shared/store/table.ts', () => {
    template.hasResourceProperties('AWS::DynamoDB::Table', {
      KeySchema: [
        { AttributeName: PARTITION_KEY.name, KeyType: 'HASH' },
        { AttributeName: SORT_KEY.name, KeyType: 'RANGE' },
      ],
      GlobalSecondaryIndexes: [
        {
          IndexName: DUE_INDEX.name,
          KeySchema: [
            { AttributeName: DUE_INDEX.partitionKey.name, KeyType: 'HASH' },
            { AttributeName: DUE_INDEX.sortKey.name, KeyType: 'RANGE' },
          ],
          Projection: { ProjectionType: 'ALL' },
        },
        {
          IndexName: RECIPIENT_INDEX.name,
          KeySchema: [
            { AttributeName: RECIPIENT_INDEX.partitionKey.name, KeyType: 'HASH' },
            { AttributeName: RECIPIENT_INDEX.sortKey.name, KeyType: 'RANGE' },
          ],
          Projection: { ProjectionType: 'ALL' },
        },
      ],
      TimeToLiveSpecification: { AttributeName: TTL_ATTRIBUTE, Enabled: true },
    });
  });

  it('is on demand, with point-in-time recovery, KMS encryption, deletion protection, and retained', () => {
    template.hasResource('AWS::DynamoDB::Table', {
      Properties: Match.objectLike({
        BillingMode: 'PAY_PER_REQUEST',
        PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
        // SSEEnabled without a key id: the AWS managed key aws/dynamodb.
        SSESpecification: { SSEEnabled: true },
        DeletionProtectionEnabled: true,
      }),
      DeletionPolicy: 'Retain',
      UpdateReplacePolicy: 'Retain',
    });
  });

  it('takes a customer managed key, no deletion protection and DESTROY when asked', () => {
    customTemplate.hasResource('AWS::DynamoDB::Table', {
      Properties: Match.objectLike({
        SSESpecification: {
          SSEEnabled: true,
          SSEType: 'KMS',
          KMSMasterKeyId: custom.resolve(customKey.keyArn),
        },
        DeletionProtectionEnabled: false,
      }),
      DeletionPolicy: 'Delete',
    });
  });
});

describe('the event bus', () => {
  it('is a new custom bus with an archive of every status-sync event, kept 30 days', () => {
    template.resourceCountIs('AWS::Events::EventBus', 1);
    template.hasResourceProperties('AWS::Events::Archive', {
      SourceArn: stack.resolve(sync.eventBus.eventBusArn),
      EventPattern: { source: [EVENT_SOURCE] },
      RetentionDays: 30,
    });
  });

  it('can be an existing bus, with no archive', () => {
    customTemplate.resourceCountIs('AWS::Events::EventBus', 0);
    customTemplate.resourceCountIs('AWS::Events::Archive', 0);
  });
});

describe('the API key secret', () => {
  it('is created with a generated placeholder: no value of any kind in the template', () => {
    template.hasResource('AWS::SecretsManager::Secret', {
      Properties: {
        Description: Match.stringLikeRegexp('put-secret-value'),
        GenerateSecretString: Match.objectLike({ GenerateStringKey: PLACEHOLDER_FIELD }),
        SecretString: Match.absent(),
      },
      DeletionPolicy: 'Retain',
    });
  });

  it('reaches the poller as an ARN only, never as MAILPARTNER_API_KEY', () => {
    const variables = template.findResources('AWS::Lambda::Function');
    for (const fn of Object.values(variables)) {
      const env = (fn as { Properties: { Environment?: { Variables: Record<string, unknown> } } })
        .Properties.Environment?.Variables;
      expect(env).not.toHaveProperty('MAILPARTNER_API_KEY');
    }
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: {
        Variables: Match.objectLike({
          MAILPARTNER_API_KEY_SECRET: stack.resolve(sync.apiKeySecret.secretArn),
        }),
      },
    });
  });

  it('can be an existing secret: none is created', () => {
    customTemplate.resourceCountIs('AWS::SecretsManager::Secret', 0);
  });
});

describe('the poller', () => {
  it('is the single mode default: no dispatcher, worker, work queue or event source mapping', () => {
    expect(sync.mode).toBe('single');
    expect(sync.fanOut).toBeUndefined();
    expect(sync.scheduledFunction).toBe(poller);
    template.resourceCountIs('AWS::Lambda::EventSourceMapping', 0);
    template.resourcePropertiesCountIs('AWS::SQS::Queue', { FifoQueue: true }, 0);
    template.resourceCountIs('AWS::Logs::MetricFilter', 0);
    template.hasOutput('SyncMode', { Value: 'single' });
  });

  it('runs Node.js 24 on arm64 with one reserved execution, a 5-minute timeout and its configuration', () => {
    template.hasResourceProperties('AWS::Lambda::Function', {
      Runtime: 'nodejs24.x',
      Architectures: ['arm64'],
      Handler: 'index.handler',
      ReservedConcurrentExecutions: 1,
      Timeout: 300,
      MemorySize: 512,
      LoggingConfig: { LogGroup: stack.resolve(pollerLogGroup.logGroupName) },
      Environment: {
        Variables: {
          TABLE_NAME: stack.resolve(sync.table.tableName),
          EVENT_BUS_NAME: stack.resolve(sync.eventBus.eventBusName),
          MAILPARTNER_API_KEY_SECRET: stack.resolve(sync.apiKeySecret.secretArn),
          MAILPARTNER_BASE_URL: 'https://api.mailpartner.fr/v1',
          POLL_INTERVAL_SECONDS: '60',
          POLL_CONCURRENCY: '8',
          AUDIT_RETENTION_DAYS: '90',
          PROVIDER_BUDGET_PER_MINUTE: '1800',
          POWERTOOLS_SERVICE_NAME: 'poller',
          POWERTOOLS_METRICS_NAMESPACE: 'MailPartnerStatusSync',
          POWERTOOLS_LOG_LEVEL: 'INFO',
          NODE_OPTIONS: '--enable-source-maps',
        },
      },
    });
  });

  it('runs every minute, with retries and a dead-letter queue on the schedule target', () => {
    template.hasResourceProperties('AWS::Events::Rule', {
      ScheduleExpression: 'rate(1 minute)',
      EventBusName: Match.absent(),
      Targets: [
        {
          Arn: stack.resolve(poller.functionArn),
          Id: Match.anyValue(),
          DeadLetterConfig: { Arn: stack.resolve(sync.scheduleDeadLetterQueue.queueArn) },
          RetryPolicy: { MaximumRetryAttempts: 2, MaximumEventAgeInSeconds: 60 },
        },
      ],
    });
  });

  it('does not retry a failed tick and drops ticks older than one period', () => {
    template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
      FunctionName: stack.resolve(poller.functionName),
      MaximumRetryAttempts: 0,
      MaximumEventAgeInSeconds: 60,
    });
  });

  it('follows the poll rate and lifecycle settings, and can run without reserved concurrency', () => {
    customTemplate.hasResourceProperties('AWS::Events::Rule', {
      ScheduleExpression: 'rate(5 minutes)',
    });
    customTemplate.hasResourceProperties('AWS::Lambda::Function', {
      Environment: {
        Variables: Match.objectLike({
          POLL_INTERVAL_SECONDS: '300',
          TRACKING_WINDOW_HOURS: '72',
          MAX_POLL_INTERVAL_MINUTES: '15',
        }),
      },
      ReservedConcurrentExecutions: Match.absent(),
    });
    customTemplate.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
      FunctionName: custom.resolve(customPoller.functionName),
      MaximumEventAgeInSeconds: 300,
    });
  });
});

describe('the TrackMessage entry point', () => {
  it('agrees with the handler on the detail-type', () => {
    expect(TRACK_MESSAGE_DETAIL_TYPE).toBe(HANDLER_DETAIL_TYPE);
  });

  it('is a rule on the bus for TrackMessage from the documented source, with retries and the rejects queue', () => {
    template.hasResourceProperties('AWS::Events::Rule', {
      EventBusName: stack.resolve(sync.eventBus.eventBusName),
      EventPattern: { source: [DEFAULT_TRACK_MESSAGE_SOURCE], 'detail-type': ['TrackMessage'] },
      Targets: [
        {
          Arn: stack.resolve(sync.trackMessage.functionArn),
          Id: Match.anyValue(),
          DeadLetterConfig: { Arn: stack.resolve(sync.trackRejectsQueue.queueArn) },
          RetryPolicy: { MaximumRetryAttempts: 3, MaximumEventAgeInSeconds: 7200 },
        },
      ],
    });
  });

  it('sends events the function rejects to the same queue after one retry', () => {
    template.hasResourceProperties('AWS::Lambda::Function', {
      Runtime: 'nodejs24.x',
      Architectures: ['arm64'],
      DeadLetterConfig: { TargetArn: stack.resolve(sync.trackRejectsQueue.queueArn) },
      Environment: {
        Variables: Match.objectLike({
          TABLE_NAME: stack.resolve(sync.table.tableName),
          EVENT_BUS_NAME: stack.resolve(sync.eventBus.eventBusName),
          POWERTOOLS_SERVICE_NAME: 'track-message',
        }),
      },
    });
    template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
      FunctionName: stack.resolve(sync.trackMessage.functionName),
      MaximumRetryAttempts: 1,
      MaximumEventAgeInSeconds: 3600,
    });
  });

  it('accepts the sources it is given', () => {
    customTemplate.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: { source: ['com.acme.orders'], 'detail-type': ['TrackMessage'] },
    });
  });
});

describe('dead-letter queues and logs', () => {
  it('encrypts both queues, keeps messages 14 days and refuses plain HTTP', () => {
    template.resourcePropertiesCountIs(
      'AWS::SQS::Queue',
      { SqsManagedSseEnabled: true, MessageRetentionPeriod: 1_209_600 },
      2,
    );
    for (const queue of [sync.scheduleDeadLetterQueue, sync.trackRejectsQueue]) {
      template.hasResourceProperties('AWS::SQS::QueuePolicy', {
        Queues: [stack.resolve(queue.queueUrl)],
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

  it('gives each function its own log group with a retention', () => {
    // Poller, TrackMessage and ForgetRecipient.
    template.resourcePropertiesCountIs('AWS::Logs::LogGroup', { RetentionInDays: 30 }, 3);
    customTemplate.resourcePropertiesCountIs('AWS::Logs::LogGroup', { RetentionInDays: 7 }, 3);
  });
});

describe('permissions', () => {
  it('no role has a managed policy; there are exactly three roles (no hidden helper functions)', () => {
    // Poller, TrackMessage and ForgetRecipient (test/infra/privacy.test.ts).
    template.resourceCountIs('AWS::IAM::Role', 3);
    template.resourceCountIs('AWS::Lambda::Function', 3);
    template.resourcePropertiesCountIs('AWS::IAM::Role', { ManagedPolicyArns: Match.absent() }, 3);
  });

  it('the poller may query its table and due index, write its table, publish on its bus and read its secret: nothing else', () => {
    const table = stack.resolve(sync.table.tableArn);
    expect(policyStatements(template, stack, poller.role as iam.IRole)).toEqual([
      {
        Sid: 'OwnLogGroup',
        Effect: 'Allow',
        Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        Resource: stack.resolve(pollerLogGroup.logGroupArn),
      },
      {
        Sid: 'QueryTableAndDueIndex',
        Effect: 'Allow',
        Action: 'dynamodb:Query',
        Resource: [table, { 'Fn::Join': ['', [table, '/index/due']] }],
      },
      {
        Sid: 'WriteTable',
        Effect: 'Allow',
        // GetItem: the publication form (CONFIG item), checked once per process.
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
        Resource: stack.resolve(sync.eventBus.eventBusArn),
      },
      {
        Sid: 'ReadApiKey',
        Effect: 'Allow',
        Action: 'secretsmanager:GetSecretValue',
        Resource: stack.resolve(sync.apiKeySecret.secretArn),
      },
    ]);
  });

  it('the TrackMessage function may track in its table (no index), announce on its bus and send to its rejects queue: nothing else', () => {
    expect(policyStatements(template, stack, sync.trackMessage.role as iam.IRole)).toEqual([
      {
        Sid: 'OwnLogGroup',
        Effect: 'Allow',
        Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        Resource: stack.resolve(sync.trackMessageLogGroup.logGroupArn),
      },
      {
        Effect: 'Allow',
        Action: 'sqs:SendMessage',
        Resource: stack.resolve(sync.trackRejectsQueue.queueArn),
      },
      {
        Sid: 'TrackInTable',
        Effect: 'Allow',
        Action: [
          'dynamodb:PutItem',
          'dynamodb:GetItem',
          'dynamodb:Query',
          'dynamodb:UpdateItem',
          'dynamodb:BatchWriteItem',
        ],
        Resource: stack.resolve(sync.table.tableArn),
      },
      {
        Sid: 'PublishToOwnBus',
        Effect: 'Allow',
        Action: 'events:PutEvents',
        Resource: stack.resolve(sync.eventBus.eventBusArn),
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
    const poller = policyStatements(customTemplate, custom, customPoller.role as iam.IRole);
    expect(poller).toContainEqual({
      Sid: 'ReadApiKey',
      Effect: 'Allow',
      Action: 'secretsmanager:GetSecretValue',
      Resource: SECRET_ARN,
    });
    expect(poller).toContainEqual({
      Sid: 'DecryptApiKey',
      Effect: 'Allow',
      Action: 'kms:Decrypt',
      Resource: key,
      Condition: { StringEquals: { 'kms:ViaService': 'secretsmanager.eu-west-1.amazonaws.com' } },
    });
    expect(poller).toContainEqual({
      Sid: 'PublishToOwnBus',
      Effect: 'Allow',
      Action: 'events:PutEvents',
      Resource: {
        'Fn::Join': [
          '',
          ['arn:', { Ref: 'AWS::Partition' }, ':events:eu-west-1:111122223333:event-bus/orders'],
        ],
      },
    });
    expect(poller).toContainEqual(tableKey);
    expect(
      policyStatements(customTemplate, custom, customSync.trackMessage.role as iam.IRole),
    ).toContainEqual(tableKey);
  });
});

describe('observability', () => {
  it('has thirteen alarms, each notifying the alarm topic on ALARM and OK', () => {
    template.resourceCountIs('AWS::CloudWatch::Alarm', 13);
    const topic = stack.resolve(sync.alarmTopic.topicArn);
    template.resourcePropertiesCountIs(
      'AWS::CloudWatch::Alarm',
      { AlarmActions: [topic], OKActions: [topic] },
      13,
    );
    template.hasResourceProperties('AWS::SNS::Topic', { DisplayName: Match.anyValue() });
  });

  it('alarms at once on a reply for another message and on a poison message', () => {
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'SyncErrors',
      Dimensions: Match.arrayEquals([
        { Name: 'errorKind', Value: 'reply-mismatch' },
        { Name: 'service', Value: 'poller' },
      ]),
      Threshold: 1,
      EvaluationPeriods: 1,
    });
    const rule = sync.observability.poisonMessageRule;
    template.hasResourceProperties('AWS::Events::Rule', {
      EventBusName: stack.resolve(sync.eventBus.eventBusName),
      EventPattern: { source: ['mailpartner.status-sync'], 'detail-type': ['MessagePollFailing'] },
    });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'AWS/Events',
      MetricName: 'MatchedEvents',
      Dimensions: [{ Name: 'RuleName', Value: stack.resolve(rule.ruleName) }],
      Threshold: 1,
      EvaluationPeriods: 1,
    });
  });

  it('alarms at once on a provider configuration error', () => {
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'MailPartnerStatusSync',
      MetricName: 'SyncErrors',
      Dimensions: Match.arrayEquals([
        { Name: 'errorKind', Value: 'configuration' },
        { Name: 'service', Value: 'poller' },
      ]),
      Statistic: 'Sum',
      Threshold: 1,
      EvaluationPeriods: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      TreatMissingData: 'notBreaching',
    });
  });

  it('alarms on repeated failures: poller errors, sync failures and pending events for 15 minutes', () => {
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'AWS/Lambda',
      MetricName: 'Errors',
      Dimensions: [{ Name: 'FunctionName', Value: stack.resolve(poller.functionName) }],
      EvaluationPeriods: 3,
      DatapointsToAlarm: 3,
      Period: 300,
    });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Metrics: Match.arrayWith([
        Match.objectLike({
          Expression: Match.stringLikeRegexp('^FILL\\(e0, 0\\) \\+ FILL\\(e1, 0\\)'),
        }),
        Match.objectLike({
          MetricStat: Match.objectLike({
            Metric: Match.objectLike({
              MetricName: 'SyncErrors',
              Dimensions: Match.arrayWith([{ Name: 'errorKind', Value: 'transient' }]),
            }),
          }),
        }),
      ]),
      EvaluationPeriods: 3,
      DatapointsToAlarm: 3,
    });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'EventsPending',
      Dimensions: [{ Name: 'service', Value: 'poller' }],
      Statistic: 'Maximum',
      EvaluationPeriods: 3,
    });
  });

  it('alarms on the depth of each dead-letter queue', () => {
    for (const queue of [sync.scheduleDeadLetterQueue, sync.trackRejectsQueue]) {
      template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        Namespace: 'AWS/SQS',
        MetricName: 'ApproximateNumberOfMessagesVisible',
        Dimensions: [{ Name: 'QueueName', Value: stack.resolve(queue.queueName) }],
        Threshold: 1,
        EvaluationPeriods: 1,
      });
    }
  });

  it('alarms on throttling of both functions, the table and PutEvents', () => {
    for (const fn of [poller, sync.trackMessage]) {
      template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        MetricName: 'Throttles',
        Dimensions: [{ Name: 'FunctionName', Value: stack.resolve(fn.functionName) }],
      });
    }
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Metrics: Match.arrayWith([
        Match.objectLike({
          MetricStat: Match.objectLike({
            Metric: Match.objectLike({
              Namespace: 'AWS/DynamoDB',
              MetricName: 'ThrottledRequests',
              Dimensions: Match.arrayWith([{ Name: 'Operation', Value: 'BatchWriteItem' }]),
            }),
          }),
        }),
      ]),
    });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'AWS/Events',
      MetricName: 'PutEventsApproximateThrottledCount',
    });
  });

  it('has a dashboard of cycles, errors by kind, functions, queues, table and bus', () => {
    const dashboards = template.findResources('AWS::CloudWatch::Dashboard');
    expect(Object.keys(dashboards)).toHaveLength(1);
    const body = JSON.stringify(Object.values(dashboards)[0]);
    for (const word of [
      'MessagesPolled',
      'SyncErrors',
      'EventsPending',
      'Throttles',
      'ApproximateNumberOfMessagesVisible',
      'PutEventsApproximateThrottledCount',
      'cycle summary',
    ]) {
      expect(body).toContain(word);
    }
  });

  it('alarms when the largest publish lag stays above the longest poll interval + 15 minutes', () => {
    // Dimensions as the poller's Powertools Metrics emit them: service only (checked by the bundle test).
    const lagAlarm = {
      Namespace: 'MailPartnerStatusSync',
      MetricName: 'PublishLagMax',
      Dimensions: [{ Name: 'service', Value: 'poller' }],
      Statistic: 'Maximum',
      Period: 300,
      ComparisonOperator: 'GreaterThanThreshold',
      EvaluationPeriods: 3,
      DatapointsToAlarm: 3,
      TreatMissingData: 'notBreaching',
    };
    // Defaults: maxPollInterval 30 min + 15 min.
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      ...lagAlarm,
      Threshold: 45 * 60_000,
    });
    // Custom stack: maxPollInterval 15 min.
    customTemplate.hasResourceProperties('AWS::CloudWatch::Alarm', {
      ...lagAlarm,
      Threshold: 30 * 60_000,
    });
  });

  it('shows mean and largest publish lag on the dashboard, with the alarm threshold', () => {
    const lag = dashboardWidgets(template).find((w) =>
      w.properties.title?.startsWith('Publish lag'),
    );
    expect(lag?.properties.metrics).toEqual([
      [
        'MailPartnerStatusSync',
        'PublishLagMean',
        'service',
        'poller',
        // Average: the graph's default statistic, so CDK leaves `stat` out.
        { label: 'mean lag (average of cycles)' },
      ],
      [
        'MailPartnerStatusSync',
        'PublishLagMax',
        'service',
        'poller',
        expect.objectContaining({ stat: 'Maximum' }),
      ],
    ]);
    expect(lag?.properties.annotations?.horizontal).toEqual([
      expect.objectContaining({ value: 45 * 60_000 }),
    ]);
  });

  it('can notify an existing topic and skip the dashboard', () => {
    customTemplate.resourceCountIs('AWS::SNS::Topic', 0);
    customTemplate.resourceCountIs('AWS::CloudWatch::Dashboard', 0);
    customTemplate.resourcePropertiesCountIs(
      'AWS::CloudWatch::Alarm',
      { AlarmActions: [TOPIC_ARN] },
      13,
    );
  });
});

describe('stack outputs', () => {
  it('name what the docs and the CLI need', () => {
    for (const name of [
      'TableName',
      'EventBusName',
      'ApiKeySecretArn',
      'TrackMessageSource',
      'TrackRejectsQueueUrl',
      'PollerDeadLetterQueueUrl',
      'AlarmTopicArn',
      'ArchiveName',
      'DashboardName',
    ]) {
      template.hasOutput(name, {});
    }
  });
});
