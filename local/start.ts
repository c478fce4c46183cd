/**
 * `npm start`: the main job, locally, with nothing but `npm ci` done before.
 *
 * Starts an embedded DynamoDB (dynalite, on disk under `.status-sync/`), the
 * MailPartner simulator with demo traffic, a local EventBridge endpoint with
 * the TrackMessage rule (and a consumer's handler, when given), and a console
 * page; tracks a few demo messages and runs the same sync engine as the Lambda
 * until Ctrl-C. `<data dir>/env` tells a second terminal where everything is.
 *
 *   npm start                                  demo against the simulator
 *   npm start -- --fresh                       forget the state of earlier runs
 *   npm start -- --data DIR --interval 2       keep state in DIR, poll every 2 s
 *   npm start -- --port 5710                   console on 5710, DynamoDB 5711,
 *                                              EventBridge 5712, simulator 5713
 *   npm start -- --handler consumer.ts --pattern '{"detail-type":["RecipientDelivered"]}'
 *                                              run your consumer on matching events
 *   MAILPARTNER_API_KEY=... npm start -- --track 123 --track 456
 *                                              poll the real provider for these ids
 */
import { mkdir, readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { formatEventLine } from '../cli/format.ts';
import { type CatalogEvent, EVENT_SOURCE } from '../shared/catalog/events.ts';
import { loadConfig } from '../shared/config.ts';
import { lifecyclePolicy } from '../shared/lifecycle/policy.ts';
import { createMailPartnerClient, DEFAULT_BASE_URL } from '../shared/mailpartner/client.ts';
import { EventBridgePublisher } from '../shared/publisher/eventbridge-publisher.ts';
import { DynamoStatusStore } from '../shared/store/dynamo-status-store.ts';
import { trackMessage } from '../shared/sync/track-message.ts';
import { attachRules, type LocalRule } from './bus-rules.ts';
import { ConsoleData } from './console/data.ts';
import { startConsole } from './console/server.ts';
import { DataDirLockedError, lockDataDir } from './data-lock.ts';
import { addDemoBatch, type DemoWorld, generateDemoBatch, readDemoWorld } from './demo-world.ts';
import { startDynamoServer } from './dynamodb-server.ts';
import { removeEnvFile, writeEnvFile } from './env-file.ts';
import { compileEventPattern } from './event-pattern.ts';
import { startLocalEventBridge } from './eventbridge-server.ts';
import { loadHandler } from './handler-target.ts';
import { startSimulator } from './simulator/server.ts';
import { startSyncLoop } from './sync-loop.ts';
import { trackMessageRule } from './track-message-rule.ts';

const DEMO_KEY = 'demo-api-key';
const TABLE = 'mailpartner-status-sync';
const BUS = 'default';
const REGION = 'us-east-1';
/** Console on the base port, then DynamoDB, EventBridge and the simulator. */
const DEFAULT_PORT = 4710;

const { values } = parseArgs({
  options: {
    track: { type: 'string', multiple: true, default: [] },
    interval: { type: 'string', default: '5' },
    fresh: { type: 'boolean', default: false },
    messages: { type: 'string', default: '4' },
    data: { type: 'string', default: '.status-sync' },
    port: { type: 'string', default: process.env.STATUS_SYNC_PORT || String(DEFAULT_PORT) },
    handler: { type: 'string' },
    pattern: { type: 'string' },
  },
});
const DATA_DIR = values.data ?? '.status-sync';
const intervalMs = Math.max(1, Number(values.interval)) * 1000;
const demoCount = Math.max(1, Number(values.messages) || 4);
const realIds = values.track ?? [];
const realKey = process.env.MAILPARTNER_API_KEY?.trim();
const useReal = realIds.length > 0 && Boolean(realKey);
const basePort = Number(values.port);

const say = (line: string) => process.stdout.write(`${line}\n`);
const fail = (message: string, code = 2): never => {
  console.error(message);
  process.exit(code);
};

if (realIds.length > 0 && !realKey) {
  fail('--track polls the real MailPartner API: set MAILPARTNER_API_KEY too.');
}
if (!Number.isInteger(basePort) || basePort < 0 || basePort > 65_532) {
  fail(`--port must be a port number (it and the next three are used), got "${values.port}"`);
}
if (values.pattern !== undefined && values.handler === undefined) {
  fail('--pattern selects the events of --handler <file>: give the handler too.');
}
const portFor = (offset: number) => (basePort === 0 ? 0 : basePort + offset);

/** `--fresh`: forget earlier runs but keep the lock this process holds. */
async function forgetEarlierRuns(): Promise<void> {
  for (const name of await readdir(DATA_DIR)) {
    if (name !== 'lock') await rm(join(DATA_DIR, name), { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  // Whatever the user's policy settings, they must be valid before anything starts.
  const config = loadConfig(process.env);
  const userPolicy = config.policy;
  // The simulator sends every mail at once: the provider's commercial hold applies to the real API only.
  const commercialHold = useReal ? config.commercialHold : false;
  const consumerPattern = compileEventPattern(values.pattern ?? { source: [EVENT_SOURCE] });
  const consumer = values.handler ? await loadHandler(values.handler) : null;

  await mkdir(DATA_DIR, { recursive: true });
  const lock = await lockDataDir(DATA_DIR);
  if (lock.tookOver) say(`${DATA_DIR}/: took over the lock of an npm start that is gone`);
  if (values.fresh) await forgetEarlierRuns();
  await mkdir(join(DATA_DIR, 'dynamodb'), { recursive: true });

  const dynamo = await startDynamoServer({ path: join(DATA_DIR, 'dynamodb'), port: portFor(1) });
  const bus = await startLocalEventBridge({ port: portFor(2) });
  const simulator = useReal ? null : await startSimulator({ apiKey: DEMO_KEY, port: portFor(3) });

  const store = new DynamoStatusStore({ client: dynamo.client(), tableName: TABLE });
  await store.admin.createTable();
  const eventBridge = new EventBridgeClient({
    region: REGION,
    endpoint: bus.url,
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  const publisher = new EventBridgePublisher({ client: eventBridge, eventBusName: BUS });
  const baseUrl = simulator?.url ?? process.env.MAILPARTNER_BASE_URL ?? DEFAULT_BASE_URL;
  const provider = createMailPartnerClient({
    apiKey: useReal && realKey ? realKey : DEMO_KEY,
    baseUrl,
  });
  const clock = () => new Date();

  const data = new ConsoleData(store, join(DATA_DIR, 'messages.json'));
  await data.open();
  const consolePage = await startConsole({ data, port: portFor(0) });

  bus.onEvent((e) => {
    consolePage.publish(e);
    if (e.source === EVENT_SOURCE) {
      say(
        formatEventLine({ detailType: e.detailType, detail: e.detail } as unknown as CatalogEvent),
      );
      const id = e.detail.messageId;
      if (typeof id === 'string') void data.remember([id]);
    } else say(`${e.time}  ${e.detailType} from ${e.source}  ${JSON.stringify(e.detail)}`);
  });
  const rules: LocalRule[] = [
    trackMessageRule({ store, publisher, clock, commercialHold }, (r) => {
      void data.remember([r.message.messageId]);
      say(
        `TrackMessage: ${r.message.messageId} ${r.created ? 'now tracked' : `already tracked (${r.message.state})`}`,
      );
    }),
  ];
  if (consumer) rules.push({ name: 'consumer', matches: consumerPattern, target: consumer });
  const attached = attachRules(bus, rules, {
    account: '000000000000',
    region: REGION,
    onDelivered: (report) => {
      if (report.error === undefined) return;
      const why = report.error instanceof Error ? report.error.message : String(report.error);
      say(`! ${report.rule} failed on ${report.event['detail-type']} ${report.event.id}: ${why}`);
    },
  });

  // Demo messages: every earlier batch again (same ids), a new one when the last has ended.
  let world: DemoWorld | null = null;
  const demoIds = new Set<string>();
  let latestBatch: string[] = [];
  const trackDemo = async (ids: readonly string[]) => {
    for (const id of ids) demoIds.add(id);
    await data.addDemo(ids);
    for (const id of ids) {
      // Only new ones: tracking an ended message again would restart it.
      if (await store.load(id)) continue;
      await trackMessage({ store, publisher }, id, { source: 'demo' }, clock());
    }
  };
  const newDemoBatch = async () => {
    if (!simulator) return;
    world = await addDemoBatch(DATA_DIR, world, demoCount, Date.now());
    const batch = world.batches.at(-1);
    if (!batch) return;
    latestBatch = generateDemoBatch(simulator, batch);
    if (world.batches.length > 1)
      say(`demo: the last batch has ended; new demo messages ${latestBatch.join(', ')}`);
    await trackDemo(latestBatch);
  };
  if (simulator) {
    world = await readDemoWorld(DATA_DIR, demoCount);
    const earlier: string[] = [];
    for (const batch of world?.batches ?? []) {
      latestBatch = generateDemoBatch(simulator, batch);
      earlier.push(...latestBatch);
    }
    if (world) await trackDemo(earlier);
    else await newDemoBatch();
  }
  for (const id of realIds) {
    const result = await trackMessage({ store, publisher }, id, { source: 'cli' }, clock(), {
      commercialHold,
    });
    if (!result.created) say(`${id}: already tracked (${result.message.state})`);
    await data.remember([id]);
  }

  const envFile = await writeEnvFile(DATA_DIR, {
    dynamodbUrl: dynamo.endpoint,
    eventBridgeUrl: bus.url,
    consoleUrl: consolePage.url,
    tableName: TABLE,
    eventBusName: BUS,
    region: REGION,
    mailPartnerBaseUrl: baseUrl,
    demoApiKey: simulator ? DEMO_KEY : null,
  });
  say(`local stack up, state in ${DATA_DIR}/:`);
  say(`console: ${consolePage.url}`);
  say(
    `  DynamoDB ${dynamo.endpoint}, EventBridge ${bus.url}, MailPartner ${simulator ? `simulator ${simulator.url}` : 'real API'}`,
  );
  if (consumer)
    say(
      `  consumer ${values.handler} gets events matching ${values.pattern ?? `{"source":["${EVENT_SOURCE}"]}`}`,
    );
  say(
    `second terminal: set -a; . ${envFile}; set +a; npx status-sync status ${latestBatch[0] ?? '<messageId>'}`,
  );
  say(`polling every ${intervalMs / 1000} s; Ctrl-C stops`);

  const loop = startSyncLoop({
    base: { provider, store, publisher, clock },
    isDemo: (id) => demoIds.has(id),
    // The demo world runs 600× fast: windows shrink alike (48 h → under 5 min).
    demoPolicy: lifecyclePolicy({
      minIntervalMs: intervalMs,
      maxIntervalMs: 4 * intervalMs,
      trackingWindowMs: (48 * 3_600_000) / 600,
      engagementWindowMs: 30_000,
      settledIntervalMs: 2 * intervalMs,
      notFoundGraceMs: 60_000,
      notFoundIntervalMs: intervalMs,
    }),
    userPolicy,
    intervalMs,
    say,
    afterCycle: async () => {
      if (!simulator || latestBatch.length === 0) return;
      const loaded = await Promise.all(latestBatch.map((id) => store.load(id)));
      if (loaded.every((l) => !l?.message.active)) await newDemoBatch();
    },
    onFatal: () => {
      say('configuration error: fix it and start again');
      setImmediate(() => void shutdown(2));
    },
  });

  let stopping = false;
  const shutdown = async (code: number) => {
    if (stopping) return;
    stopping = true;
    say('stopping…');
    await loop.stop();
    // A consumer that hangs must not hold the stack up: give deliveries 3 s.
    await Promise.race([attached.idle(), new Promise((r) => setTimeout(r, 3_000).unref())]);
    attached.detach();
    eventBridge.destroy();
    await Promise.all([consolePage.close(), bus.close(), simulator?.close(), dynamo.close()]);
    await removeEnvFile(DATA_DIR);
    await lock.release();
    say(`stopped cleanly; ${bus.events.length} event(s) this run`);
    process.exit(code);
  };
  process.on('SIGINT', () => void shutdown(0));
  process.on('SIGTERM', () => void shutdown(0));
}

main().catch((error: unknown) => {
  if (error instanceof DataDirLockedError) fail(`npm start: ${error.message}`);
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'EADDRINUSE') {
    const port = (error as { port?: number }).port;
    fail(
      `npm start: port ${port} is in use (another npm start on other data, or another program). ` +
        `Pick other ports: npm start -- --port <base> (uses base to base+3), or STATUS_SYNC_PORT.`,
    );
  }
  fail(`npm start failed: ${error instanceof Error ? error.message : String(error)}`, 1);
});
