/**
 * The bundles CDK builds, exactly as they would be uploaded, run in a bare
 * Node process outside the repository, where nothing resolves but the bundle
 * and what the Lambda runtime provides: `@aws-sdk/*`. The runtime's copy is
 * stood in for by a `node_modules/@aws-sdk` symlink to the repository's, next
 * to the asset folders (NODE_PATH would not do: ES module imports ignore it),
 * so the test holds whether infra/bundling.ts bundles the SDK (it does) or
 * leaves it to the runtime; it checks which. Each bundle loads and exports `handler`;
 * the TrackMessage bundle tracks a message in a DynamoDB-API server and
 * announces it on a local EventBridge endpoint; the poller bundle reads its
 * secret from a Secrets Manager endpoint, finds the deploy-time placeholder,
 * stops its cycle on that configuration error and emits the metric the alarm
 * watches; the dispatcher enqueues a due message on a local SQS endpoint as the
 * FIFO queue expects it; the worker takes that item, fails it alone
 * (batchItemFailures) on the placeholder key, logs the line the dashboard's
 * failed-syncs query reads and emits the SyncErrors metric the alarms watch.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, statSync, symlinkSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { promisify } from 'node:util';
import type { Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bundlingOptions, PROJECT_ROOT } from '../../infra/bundling.ts';
import { MailPartnerStatusSyncStack } from '../../infra/mailpartner-status-sync-stack.ts';
import { type DynamoServer, startDynamoServer } from '../../local/dynamodb-server.ts';
import { type LocalEventBridge, startLocalEventBridge } from '../../local/eventbridge-server.ts';
import { PLACEHOLDER_FIELD } from '../../runtime/api-key.ts';
import { LOG_MESSAGES, METRICS_NAMESPACE, SERVICES } from '../../shared/catalog/telemetry.ts';
import { DynamoStatusStore } from '../../shared/store/dynamo-status-store.ts';
import { defined, type TestApp, testApp } from './synth.ts';

const run = promisify(execFile);
const POLLER_SERVICE = SERVICES.poller;
const DISPATCHER_SERVICE = SERVICES.dispatcher;
const TRACK_MESSAGE_SERVICE = SERVICES.trackMessage;
const WORKER_SYNC_FAILED_LOG_MESSAGE = LOG_MESSAGES.workerSyncFailed;
const TABLE = 'bundle-test';
const SECRET_ID = 'arn:aws:secretsmanager:us-east-1:111122223333:secret:mailpartner-AbCdEf';

let t: TestApp;
let bundles: { poller: string; trackMessage: string; dispatcher: string; worker: string };
let synthMs: number;
let dynamo: DynamoServer;
let bus: LocalEventBridge;
let store: DynamoStatusStore;
let secrets: { url: string; requests: string[]; server: Server };
let sqs: Awaited<ReturnType<typeof startSqs>>;

beforeAll(async () => {
  t = testApp({ bundling: true });
  const stack = new MailPartnerStatusSyncStack(t.app, 'Bundled');
  const fanOutStack = new MailPartnerStatusSyncStack(t.app, 'BundledFanOut', {
    sync: { mode: 'fan-out' },
  });
  const fanOut = defined(fanOutStack.sync.fanOut, 'the fan-out resources');
  const started = Date.now();
  const template = Template.fromStack(stack);
  const fanOutTemplate = Template.fromStack(fanOutStack);
  synthMs = Date.now() - started;
  bundles = {
    poller: bundleOf(template, stack, defined(stack.sync.poller, 'the poller')),
    trackMessage: bundleOf(template, stack, stack.sync.trackMessage),
    dispatcher: bundleOf(fanOutTemplate, fanOutStack, fanOut.dispatcher),
    worker: bundleOf(fanOutTemplate, fanOutStack, fanOut.worker),
  };
  // What the Lambda runtime provides, and nothing else: the AWS SDK.
  mkdirSync(path.join(t.outdir, 'node_modules'));
  symlinkSync(
    path.join(PROJECT_ROOT, 'node_modules', '@aws-sdk'),
    path.join(t.outdir, 'node_modules', '@aws-sdk'),
    'dir',
  );
  dynamo = await startDynamoServer();
  store = new DynamoStatusStore({ client: dynamo.client(), tableName: TABLE });
  await store.admin.createTable();
  bus = await startLocalEventBridge();
  secrets = await startSecretsManager();
  sqs = await startSqs();
}, 180_000);

afterAll(async () => {
  await dynamo?.close();
  await bus?.close();
  secrets?.server.close();
  sqs?.server.close();
  t?.cleanup();
});

/** index.mjs in the asset folder CDK recorded on the function (aws:asset:path). */
function bundleOf(template: Template, stack: Stack, fn: { node: { defaultChild?: unknown } }) {
  const id = stack.getLogicalId(fn.node.defaultChild as never);
  const resource = template.toJSON().Resources[id];
  return path.join(t.outdir, resource.Metadata['aws:asset:path'], 'index.mjs');
}

/** Answers GetSecretValue (AWS JSON 1.1) with the placeholder the stack generates. */
async function startSecretsManager() {
  const requests: string[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk) => {
      body += chunk;
    });
    req.on('end', () => {
      requests.push(`${req.headers['x-amz-target']} ${body}`);
      res.setHeader('content-type', 'application/x-amz-json-1.1');
      res.end(
        JSON.stringify({
          ARN: SECRET_ID,
          Name: 'mailpartner',
          SecretString: JSON.stringify({ note: 'Not an API key', [PLACEHOLDER_FIELD]: 'xYz123' }),
        }),
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, requests, server };
}

/**
 * Answers SendMessageBatch (AWS JSON 1.0, as the SDK's SQS client speaks it)
 * with every entry accepted, and the MD5 of each body the client checks.
 */
async function startSqs() {
  const batches: { QueueUrl: string; Entries: Record<string, string>[] }[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk) => {
      body += chunk;
    });
    req.on('end', () => {
      res.setHeader('content-type', 'application/x-amz-json-1.0');
      if (req.headers['x-amz-target'] !== 'AmazonSQS.SendMessageBatch') {
        res.statusCode = 400;
        res.end(JSON.stringify({ __type: 'com.amazonaws.sqs#InvalidAction', message: 'no' }));
        return;
      }
      const input = JSON.parse(body);
      batches.push(input);
      res.end(
        JSON.stringify({
          Successful: input.Entries.map((e: Record<string, string>, i: number) => ({
            Id: e.Id,
            MessageId: `sqs-${batches.length}-${i}`,
            MD5OfMessageBody: createHash('md5')
              .update(e.MessageBody ?? '')
              .digest('hex'),
          })),
          Failed: [],
        }),
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const url = `http://127.0.0.1:${port}`;
  return { url, queueUrl: `${url}/111122223333/work.fifo`, batches, server };
}

/** Imports a bundle in a fresh Node process and optionally invokes its handler with `event`. */
async function runBundle(bundle: string, event: unknown, env: Record<string, string> = {}) {
  const script = `
    const [bundle, eventJson] = process.argv.slice(1);
    const mod = await import(bundle);
    const context = {
      functionName: 'f', awsRequestId: 'req-1', invokedFunctionArn: 'arn:aws:lambda:us-east-1:111122223333:function:f',
      memoryLimitInMB: '512', functionVersion: '$LATEST', getRemainingTimeInMillis: () => 60000,
    };
    const out = { handlerType: typeof mod.handler };
    const event = JSON.parse(eventJson);
    if (event !== null) out.result = await mod.handler(event, context);
    console.log('RESULT ' + JSON.stringify(out));
  `;
  const { stdout, stderr } = await run(
    process.execPath,
    ['--input-type=module', '--enable-source-maps', '-e', script, bundle, JSON.stringify(event)],
    {
      // Where Lambda runs it: its folder resolves @aws-sdk/* (the runtime's) and nothing else.
      cwd: path.dirname(bundle),
      env: {
        PATH: process.env.PATH ?? '',
        AWS_REGION: 'us-east-1',
        AWS_ACCESS_KEY_ID: 'local',
        AWS_SECRET_ACCESS_KEY: 'local',
        AWS_ENDPOINT_URL_DYNAMODB: dynamo.endpoint,
        AWS_ENDPOINT_URL_EVENTBRIDGE: bus.url,
        TABLE_NAME: TABLE,
        EVENT_BUS_NAME: 'default',
        ...env,
      },
    },
  );
  const lines = stdout.trim().split('\n');
  const resultLine = lines.find((l) => l.startsWith('RESULT '));
  // Powertools logs warnings and errors through console.warn/error (stderr); Lambda keeps both.
  const json = [...lines, ...stderr.trim().split('\n')]
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l));
  return {
    out: JSON.parse(resultLine?.slice('RESULT '.length) ?? 'null'),
    emf: json.filter((l) => l._aws),
    logs: json.filter((l) => !l._aws),
  };
}

describe('the bundles', () => {
  it('are ES modules with source maps, the AWS SDK in or out as configured, and their sizes are recorded', () => {
    const external = bundlingOptions().externalModules ?? [];
    const sdkExternal = external.includes('@aws-sdk/*');
    expect(external.filter((m) => m !== '@aws-sdk/*')).toEqual([]);
    const sizes = Object.fromEntries(
      Object.entries(bundles).map(([name, file]) => [
        name,
        {
          kB: Math.round(statSync(file).size / 1024),
          mapKB: Math.round(statSync(`${file}.map`).size / 1024),
        },
      ]),
    );
    console.info(
      `synth with bundling: ${synthMs} ms; AWS SDK ${sdkExternal ? 'external' : 'bundled'}; bundle sizes: ${JSON.stringify(sizes)}`,
    );
    for (const [name, file] of Object.entries(bundles)) {
      // What went in, as the source map lists it.
      const sources: string[] = JSON.parse(readFileSync(`${file}.map`, 'utf8')).sources;
      const sdkSources = sources.filter((f) => /node_modules\/@(aws-sdk|smithy)\//.test(f));
      if (sdkExternal) expect(sdkSources, name).toEqual([]);
      else expect(sdkSources.length, name).toBeGreaterThan(0);
      // Imports left in the bundle: Node built-ins, and the runtime's SDK when external.
      const code = readFileSync(file, 'utf8');
      const imported = [
        ...code.matchAll(
          /\bimport\s*(?:\{[^}]*\}|\*\s*as\s*[\w$]+|[\w$]+)\s*(?:,\s*\{[^}]*\}\s*)?from\s*"([^"]+)"/g,
        ),
      ].map((m) => m[1] ?? '');
      expect(imported.length, name).toBeGreaterThan(0);
      expect(
        imported.filter(
          (i) => !i.startsWith('node:') && !(sdkExternal && i.startsWith('@aws-sdk/client-')),
        ),
        name,
      ).toEqual([]);
    }
    for (const { kB } of Object.values(sizes)) expect(kB).toBeLessThan(sdkExternal ? 800 : 1200);
  });

  it('the poller loads and exports its handler', async () => {
    const { out } = await runBundle(bundles.poller, null);
    expect(out).toEqual({ handlerType: 'function' });
  });

  it('the TrackMessage function loads, tracks a message in DynamoDB and announces it', async () => {
    const { out, emf } = await runBundle(bundles.trackMessage, {
      id: 'evt-1',
      'detail-type': 'TrackMessage',
      source: 'mailpartner.status-sync.client',
      detail: { messageId: 'bundled-1', metadata: { campaign: 'spring' } },
    });
    expect(out.handlerType).toBe('function');
    expect(out.result).toMatchObject({ messageId: 'bundled-1', created: true });
    expect((await store.load('bundled-1'))?.message.metadata).toEqual({ campaign: 'spring' });
    expect(bus.events.map((e) => [e.detailType, e.detail.messageId])).toEqual([
      ['MessageTrackingStarted', 'bundled-1'],
    ]);
    expect(emf[0]?._aws.CloudWatchMetrics[0]).toMatchObject({
      Namespace: METRICS_NAMESPACE,
      Dimensions: [['service']],
    });
    expect(emf[0]?.service).toBe(TRACK_MESSAGE_SERVICE);
  });

  it('the poller reads its secret, refuses the placeholder and emits the configuration-error metric', async () => {
    await store.track('bundled-2', {}, new Date(Date.now() - 60_000));
    const { out, emf } = await runBundle(
      bundles.poller,
      { 'detail-type': 'Scheduled Event', source: 'aws.events', detail: {} },
      {
        MAILPARTNER_API_KEY_SECRET: SECRET_ID,
        AWS_ENDPOINT_URL_SECRETS_MANAGER: secrets.url,
        // One cycle, no 10 s ticks: a cold instance would wait out the minute it cannot see.
        POLL_RUN_SECONDS: '0',
      },
    );
    expect(secrets.requests).toEqual([
      `secretsmanager.GetSecretValue ${JSON.stringify({ SecretId: SECRET_ID })}`,
    ]);
    // Both tracked messages were due; the one shared key request failed them both.
    expect(out.result).toMatchObject({ stoppedBy: 'configuration', errors: { configuration: 2 } });
    // Exactly the metric the ConfigurationErrors alarm watches.
    const syncErrors = emf.find((m) => m.SyncErrors !== undefined);
    expect(syncErrors?._aws.CloudWatchMetrics[0]).toMatchObject({
      Namespace: METRICS_NAMESPACE,
      Dimensions: [['service', 'errorKind']],
    });
    expect(syncErrors).toMatchObject({ service: POLLER_SERVICE, errorKind: 'configuration' });
    expect(emf.some((m) => m.MessagesPolled !== undefined && m.service === POLLER_SERVICE)).toBe(
      true,
    );
  });

  describe('fan-out', () => {
    const FAN_TABLE = 'bundle-fanout';
    let fanStore: DynamoStatusStore;
    /** The work item the dispatcher sent, fed to the worker next. */
    let sent: Record<string, string> | undefined;

    beforeAll(async () => {
      fanStore = new DynamoStatusStore({ client: dynamo.client(), tableName: FAN_TABLE });
      await fanStore.admin.createTable();
      await fanStore.track('fanout-1', {}, new Date(Date.now() - 60_000));
    });

    it('the dispatcher loads, enqueues the due message on the FIFO queue and emits its metrics', async () => {
      const { out, emf } = await runBundle(
        bundles.dispatcher,
        { 'detail-type': 'Scheduled Event', source: 'aws.events', detail: {} },
        {
          TABLE_NAME: FAN_TABLE,
          WORK_QUEUE_URL: sqs.queueUrl,
          AWS_ENDPOINT_URL_SQS: sqs.url,
          PROVIDER_BUDGET_PER_MINUTE: '1800',
        },
      );
      expect(out).toEqual({
        handlerType: 'function',
        result: { due: 1, enqueued: 1, failed: 0, capped: false },
      });
      expect(sqs.batches).toHaveLength(1);
      expect(sqs.batches[0]?.QueueUrl).toBe(sqs.queueUrl);
      sent = sqs.batches[0]?.Entries[0];
      expect(sent).toMatchObject({
        MessageBody: JSON.stringify({ messageId: 'fanout-1' }),
        MessageGroupId: 'fanout-1',
        MessageDeduplicationId: expect.stringMatching(/^fanout-1#\d{4}-/),
      });
      // Exactly what the DispatchFailures alarm and the dashboard read.
      const metrics = emf.find((m) => m.MessagesDispatched !== undefined);
      expect(metrics?._aws.CloudWatchMetrics[0]).toMatchObject({
        Namespace: METRICS_NAMESPACE,
        Dimensions: [['service']],
      });
      expect(metrics).toMatchObject({
        service: DISPATCHER_SERVICE,
        MessagesDispatched: 1,
        DispatchFailures: 0,
      });
    });

    it('the worker loads, fails only the item it cannot sync, logs it and emits SyncErrors', async () => {
      const body = sent?.MessageBody ?? JSON.stringify({ messageId: 'fanout-1' });
      const record = (messageId: string, messageBody: string, group: string) => ({
        messageId,
        receiptHandle: `rh-${messageId}`,
        body: messageBody,
        attributes: {
          ApproximateReceiveCount: '1',
          SentTimestamp: String(Date.now()),
          SenderId: 'AIDAEXAMPLE',
          ApproximateFirstReceiveTimestamp: String(Date.now()),
          MessageGroupId: group,
          MessageDeduplicationId: `${group}-dedup`,
          SequenceNumber: '1',
        },
        messageAttributes: {},
        md5OfBody: createHash('md5').update(messageBody).digest('hex'),
        eventSource: 'aws:sqs',
        eventSourceARN: 'arn:aws:sqs:us-east-1:111122223333:work.fifo',
        awsRegion: 'us-east-1',
      });
      const { out, logs, emf } = await runBundle(
        bundles.worker,
        {
          Records: [
            record('sqs-1', body, 'fanout-1'),
            // Malformed: dropped with an error log, not retried.
            record('sqs-2', JSON.stringify({ nothing: true }), 'other'),
          ],
        },
        {
          TABLE_NAME: FAN_TABLE,
          MAILPARTNER_API_KEY_SECRET: SECRET_ID,
          AWS_ENDPOINT_URL_SECRETS_MANAGER: secrets.url,
          PROVIDER_BUDGET_PER_MINUTE: '1800',
          WORKER_CONCURRENCY: '5',
        },
      );
      expect(out).toEqual({
        handlerType: 'function',
        result: { batchItemFailures: [{ itemIdentifier: 'sqs-1' }] },
      });
      // The fields the dashboard's "Failed syncs (worker)" query reads.
      const failed = logs.filter((l) => l.message === WORKER_SYNC_FAILED_LOG_MESSAGE);
      expect(failed).toEqual([
        expect.objectContaining({ errorKind: 'configuration', messageId: 'fanout-1' }),
      ]);
      // Exactly the metric the fan-out ConfigurationErrors alarm watches.
      const syncErrors = emf.find((m) => m.SyncErrors !== undefined);
      expect(syncErrors?._aws.CloudWatchMetrics[0]).toMatchObject({
        Namespace: METRICS_NAMESPACE,
        Dimensions: [['service', 'errorKind']],
      });
      expect(syncErrors).toMatchObject({ service: SERVICES.worker, errorKind: 'configuration' });
    });
  });
});
