/**
 * Child process of the memory benchmark (bundled, run by plain `node`): the
 * engine alone, with the adapters and settings production uses, syncing one
 * large message against servers that live in the parent process. Prints one
 * JSON line with its peak memory per phase.
 *
 * The sync goes through the product's own MailPartner client (no request
 * retries, a long timeout: the simulator serves the whole reply at once), so
 * the figures include reading and parsing the reply. Store, diff, outbox and
 * publisher are production code.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { DEFAULT_POLICY } from '../shared/lifecycle/policy.ts';
import { createMailPartnerClient } from '../shared/mailpartner/client.ts';
import { EventBridgePublisher } from '../shared/publisher/eventbridge-publisher.ts';
import { DynamoStatusStore } from '../shared/store/dynamo-status-store.ts';
import { type MessageOutcome, syncMessage } from '../shared/sync/sync-message.ts';
import { trackMessage } from '../shared/sync/track-message.ts';

const env = (name: string): string => {
  const value = process.env[name];
  if (!value) throw new Error(`memory child: ${name} is not set`);
  return value;
};

interface Peak {
  rssMb: number;
  heapUsedMb: number;
  heapTotalMb: number;
  externalMb: number;
}

const MB = 1024 * 1024;
const peak: Peak = { rssMb: 0, heapUsedMb: 0, heapTotalMb: 0, externalMb: 0 };
function sample(): void {
  const m = process.memoryUsage();
  peak.rssMb = Math.max(peak.rssMb, m.rss / MB);
  peak.heapUsedMb = Math.max(peak.heapUsedMb, m.heapUsed / MB);
  peak.heapTotalMb = Math.max(peak.heapTotalMb, m.heapTotal / MB);
  // `external` already includes `arrayBuffers` (Node's Buffers among them).
  peak.externalMb = Math.max(peak.externalMb, m.external / MB);
}

async function main(): Promise<void> {
  const credentials = { accessKeyId: 'local', secretAccessKey: 'local' };
  const dynamo = new DynamoDBClient({
    endpoint: env('BENCH_DYNAMO_URL'),
    region: 'us-east-1',
    credentials,
  });
  const eventBridge = new EventBridgeClient({
    endpoint: env('BENCH_EVENTBRIDGE_URL'),
    region: 'us-east-1',
    credentials,
  });
  const store = new DynamoStatusStore({ client: dynamo, tableName: env('BENCH_TABLE') });
  const publisher = new EventBridgePublisher({ client: eventBridge, eventBusName: 'default' });
  const apiKey = env('BENCH_API_KEY');
  const baseUrl = env('BENCH_PROVIDER_URL');
  const client = createMailPartnerClient({ apiKey, baseUrl, timeoutMs: 120_000, retries: 0 });
  const messageId = env('BENCH_MESSAGE_ID');
  let now = Number(env('BENCH_NOW'));
  const deps = {
    provider: client,
    store,
    publisher,
    clock: () => new Date(now),
    policy: DEFAULT_POLICY,
  };

  const timer = setInterval(sample, 10);
  sample();
  const baseline = { ...peak };
  const phases: Record<string, { ms: number; maxRssMb: number; peak: Peak; outcome: string }> = {};
  const phase = async (name: string, run: () => Promise<string>) => {
    Object.assign(peak, { rssMb: 0, heapUsedMb: 0, heapTotalMb: 0, externalMb: 0 });
    sample();
    const started = performance.now();
    const outcome = await run();
    sample();
    phases[name] = {
      ms: performance.now() - started,
      maxRssMb: process.resourceUsage().maxRSS / 1024,
      peak: { ...peak },
      outcome,
    };
  };

  await trackMessage(deps, messageId, { campaign: 'bench' }, new Date(now));
  now += 20_000;
  await phase('firstSight', async () => describe(await syncMessage(deps, messageId)));
  now += 60_000;
  await phase('unchanged', async () => describe(await syncMessage(deps, messageId)));
  clearInterval(timer);
  // What the client says about this reply on its own (the syncs above read it too).
  let realClient = 'accepted the reply';
  try {
    const reply = await client.bulkStatus(messageId);
    realClient = `accepted the reply (${reply.recipients.length} recipients)`;
  } catch (error) {
    realClient = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  }
  dynamo.destroy();
  eventBridge.destroy();
  process.stdout.write(`${JSON.stringify({ baseline, phases, realClient })}\n`);
}

function describe(o: MessageOutcome): string {
  if (o.kind === 'changed') return `${o.changes} changes, ${o.published} published`;
  if (o.kind === 'error') return `error (${o.errorKind}): ${o.message}`;
  return o.kind;
}

main().catch((error: unknown) => {
  process.stderr.write(
    `${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
  );
  process.exit(1);
});
