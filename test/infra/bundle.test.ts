/**
 * The bundles CDK builds, exactly as they would be uploaded, run in a bare
 * Node process outside the repository (nothing to resolve but the bundle):
 * each loads and exports `handler`; the TrackMessage bundle tracks a message
 * in a DynamoDB-API server and announces it on a local EventBridge endpoint;
 * the poller bundle reads its secret from a
 * Secrets Manager endpoint, finds the deploy-time placeholder, stops its cycle
 * on that configuration error and emits the metric the alarm watches.
 */
import { execFile } from 'node:child_process';
import { statSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import type { Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PLACEHOLDER_FIELD } from '../../functions/api-key.ts';
import { MailPartnerStatusSyncStack } from '../../infra/mailpartner-status-sync-stack.ts';
import {
  METRICS_NAMESPACE,
  POLLER_SERVICE,
  TRACK_MESSAGE_SERVICE,
} from '../../infra/observability.ts';
import { type DynamoServer, startDynamoServer } from '../../local/dynamodb-server.ts';
import { type LocalEventBridge, startLocalEventBridge } from '../../local/eventbridge-server.ts';
import { DynamoStatusStore } from '../../shared/store/dynamo-status-store.ts';
import { type TestApp, testApp } from './synth.ts';

const run = promisify(execFile);
const TABLE = 'bundle-test';
const SECRET_ID = 'arn:aws:secretsmanager:us-east-1:111122223333:secret:mailpartner-AbCdEf';

let t: TestApp;
let bundles: { poller: string; trackMessage: string };
let synthMs: number;
let dynamo: DynamoServer;
let bus: LocalEventBridge;
let store: DynamoStatusStore;
let secrets: { url: string; requests: string[]; server: Server };

beforeAll(async () => {
  t = testApp({ bundling: true });
  const stack = new MailPartnerStatusSyncStack(t.app, 'Bundled');
  const started = Date.now();
  const template = Template.fromStack(stack);
  synthMs = Date.now() - started;
  bundles = {
    poller: bundleOf(template, stack, stack.sync.poller.node.defaultChild),
    trackMessage: bundleOf(template, stack, stack.sync.trackMessage.node.defaultChild),
  };
  dynamo = await startDynamoServer();
  store = new DynamoStatusStore({ client: dynamo.client(), tableName: TABLE });
  await store.createTable();
  bus = await startLocalEventBridge();
  secrets = await startSecretsManager();
}, 180_000);

afterAll(async () => {
  await dynamo?.close();
  await bus?.close();
  secrets?.server.close();
  t?.cleanup();
});

/** index.mjs in the asset folder CDK recorded on the function (aws:asset:path). */
function bundleOf(template: Template, stack: Stack, fn: unknown): string {
  const id = stack.getLogicalId(fn as never);
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
  const { stdout } = await run(
    process.execPath,
    ['--input-type=module', '--enable-source-maps', '-e', script, bundle, JSON.stringify(event)],
    {
      cwd: os.tmpdir(),
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
  const json = lines.filter((l) => l.startsWith('{')).map((l) => JSON.parse(l));
  return {
    out: JSON.parse(resultLine?.slice('RESULT '.length) ?? 'null'),
    emf: json.filter((l) => l._aws),
  };
}

describe('the bundles', () => {
  it('are ES modules with source maps, and their sizes are recorded', () => {
    const sizes = Object.fromEntries(
      Object.entries(bundles).map(([name, file]) => [
        name,
        {
          kB: Math.round(statSync(file).size / 1024),
          mapKB: Math.round(statSync(`${file}.map`).size / 1024),
        },
      ]),
    );
    console.info(`synth with bundling: ${synthMs} ms; bundle sizes: ${JSON.stringify(sizes)}`);
    for (const { kB } of Object.values(sizes)) expect(kB).toBeLessThan(2048);
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
});
