/**
 * `npm start`: the main job, locally, with nothing but `npm ci` done before.
 *
 * Starts an embedded DynamoDB (dynalite, on disk under `.status-sync/`), the
 * MailPartner simulator with demo traffic, and a local EventBridge endpoint that
 * prints each event; tracks a few demo messages and runs the same sync engine as
 * the Lambda until Ctrl-C.
 *
 *   npm start                                  demo against the simulator
 *   npm start -- --fresh                       forget the state of earlier runs
 *   npm start -- --data DIR --interval 2       keep state in DIR, poll every 2 s
 *   MAILPARTNER_API_KEY=... npm start -- --track 123 --track 456
 *                                              poll the real provider for these ids
 */
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { formatEventLine, formatSummaryLine } from '../cli/format.ts';
import type { CatalogEvent } from '../shared/catalog/events.ts';
import { lifecyclePolicy } from '../shared/lifecycle/policy.ts';
import { createMailPartnerClient, DEFAULT_BASE_URL } from '../shared/mailpartner/client.ts';
import { EventBridgePublisher } from '../shared/publisher/eventbridge-publisher.ts';
import { DynamoStatusStore } from '../shared/store/dynamo-status-store.ts';
import { runCycle } from '../shared/sync/sync-cycle.ts';
import { trackMessage } from '../shared/sync/track-message.ts';
import { startDynamoServer } from './dynamodb-server.ts';
import { startLocalEventBridge } from './eventbridge-server.ts';
import { startSimulator } from './simulator/server.ts';

const DEMO_KEY = 'demo-api-key';
const TABLE = 'mailpartner-status-sync';

const { values } = parseArgs({
  options: {
    track: { type: 'string', multiple: true, default: [] },
    interval: { type: 'string', default: '5' },
    fresh: { type: 'boolean', default: false },
    messages: { type: 'string', default: '4' },
    data: { type: 'string', default: '.status-sync' },
  },
});
const DATA_DIR = values.data ?? '.status-sync';
const intervalMs = Math.max(1, Number(values.interval)) * 1000;
const realIds = values.track ?? [];
const realKey = process.env.MAILPARTNER_API_KEY?.trim();
const useReal = realIds.length > 0 && Boolean(realKey);
if (realIds.length > 0 && !realKey) {
  console.error('--track polls the real MailPartner API: set MAILPARTNER_API_KEY too.');
  process.exit(2);
}

const say = (line: string) => process.stdout.write(`${line}\n`);

/** Demo settings are kept so a restart replays the same simulated world. */
async function demoWorld(): Promise<{ seed: number; sentAt: number }> {
  const file = join(DATA_DIR, 'demo.json');
  try {
    return JSON.parse(await readFile(file, 'utf8')) as { seed: number; sentAt: number };
  } catch {
    const world = { seed: Date.now() % 100_000, sentAt: Date.now() };
    await writeFile(file, JSON.stringify(world));
    return world;
  }
}

async function main(): Promise<void> {
  if (values.fresh) await rm(DATA_DIR, { recursive: true, force: true });
  await mkdir(join(DATA_DIR, 'dynamodb'), { recursive: true });

  const dynamo = await startDynamoServer({ path: join(DATA_DIR, 'dynamodb') });
  const bus = await startLocalEventBridge();
  const simulator = useReal ? null : await startSimulator({ apiKey: DEMO_KEY });

  const store = new DynamoStatusStore({ client: dynamo.client(), tableName: TABLE });
  await store.createTable();
  const eventBridge = new EventBridgeClient({
    region: 'us-east-1',
    endpoint: bus.url,
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  const publisher = new EventBridgePublisher({ client: eventBridge, eventBusName: 'default' });
  const provider = createMailPartnerClient({
    apiKey: useReal && realKey ? realKey : DEMO_KEY,
    baseUrl: simulator?.url ?? process.env.MAILPARTNER_BASE_URL ?? DEFAULT_BASE_URL,
  });

  let ids = realIds;
  if (simulator) {
    const world = await demoWorld();
    // Delays scaled down 600×: the 48 h tail becomes under 5 minutes of demo.
    ids = simulator.generate({
      count: Math.max(1, Number(values.messages)),
      seed: world.seed,
      sentAt: world.sentAt,
      spreadMs: 20_000,
      recipientsPerMessage: { min: 2, max: 5 },
      timeScale: 1 / 600,
      notFoundForMs: 3_000,
    });
  }
  bus.onEvent((e) =>
    say(formatEventLine({ detailType: e.detailType, detail: e.detail } as unknown as CatalogEvent)),
  );
  for (const id of ids) {
    const metadata = { source: useReal ? 'cli' : 'demo' };
    const result = await trackMessage({ store, publisher }, id, metadata, new Date());
    if (!result.created) say(`${id}: already tracked (${result.message.state})`);
  }

  say(
    `local stack up: DynamoDB ${dynamo.endpoint} (state in ${DATA_DIR}/), ` +
      `EventBridge ${bus.url}, MailPartner ${simulator ? `simulator ${simulator.url}` : 'real API'}`,
  );
  say(`polling every ${intervalMs / 1000} s; Ctrl-C stops`);
  const deps = {
    provider,
    store,
    publisher,
    clock: () => new Date(),
    // The demo world runs 600× fast: windows shrink alike (48 h → under 5 min).
    policy: lifecyclePolicy({
      minIntervalMs: intervalMs,
      maxIntervalMs: 4 * intervalMs,
      trackingWindowMs: (48 * 3_600_000) / 600,
      engagementWindowMs: 30_000,
      settledIntervalMs: 2 * intervalMs,
      notFoundGraceMs: 60_000,
      notFoundIntervalMs: intervalMs,
    }),
    log: {
      info: () => undefined,
      warn: (m: string, x: Record<string, unknown>) => say(`warn: ${m} ${JSON.stringify(x)}`),
      error: (m: string, x: Record<string, unknown>) => say(`error: ${m} ${JSON.stringify(x)}`),
    },
  };

  let stopping = false;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> = Promise.resolve();
  const cycle = async () => {
    const summary = await runCycle(deps, {
      onOutcome: (o) => {
        if (o.kind === 'error' && o.errorKind === 'not-found') {
          say(`· ${o.messageId}: not visible at MailPartner yet (code 4), polling again`);
        } else if (o.kind === 'error') say(`! ${o.messageId}: ${o.errorKind}: ${o.message}`);
      },
    });
    say(formatSummaryLine(summary));
    return summary.stoppedBy === 'configuration';
  };
  const loop = () => {
    if (stopping) return;
    running = cycle()
      .catch((error: unknown) => {
        say(`cycle failed: ${String(error)}`);
        return false;
      })
      .then((fatal) => {
        if (fatal) {
          say('configuration error: fix it and start again');
          setImmediate(() => void shutdown(2));
        } else if (!stopping) timer = setTimeout(loop, intervalMs);
      });
  };
  const shutdown = async (code: number) => {
    if (stopping) return;
    stopping = true;
    clearTimeout(timer);
    say('stopping…');
    await running.catch(() => undefined);
    eventBridge.destroy();
    await Promise.all([bus.close(), simulator?.close(), dynamo.close()]);
    say(`stopped cleanly; ${bus.events.length} event(s) this run`);
    process.exit(code);
  };
  process.on('SIGINT', () => void shutdown(0));
  process.on('SIGTERM', () => void shutdown(0));
  loop();
}

main().catch((error: unknown) => {
  console.error(`npm start failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
