/**
 * Child process of the memory benchmark (bundled, run by plain `node`): the
 * engine alone, with the adapters and settings production uses, syncing one
 * large message against servers that live in the parent process. Prints one
 * JSON line with its peak memory per phase.
 *
 * The product's MailPartner client refuses reply bodies over 5 MB (a send has
 * at most 500 recipients, so a bigger body is taken as broken or hostile); a
 * 100,000-recipient reply is larger. The child syncs through a provider that
 * reads the same reply without the cap and parses it with the product's own parser
 * (`parseBulkStatusReply`), and at the end polls once with the real client to
 * record what it says. Store, diff, outbox and publisher are production code.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { DEFAULT_POLICY } from '../shared/lifecycle/policy.ts';
import { createMailPartnerClient } from '../shared/mailpartner/client.ts';
import { parseBulkStatusReply } from '../shared/mailpartner/parse-reply.ts';
import type { StatusProvider } from '../shared/ports.ts';
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
  peak.externalMb = Math.max(peak.externalMb, (m.external + m.arrayBuffers) / MB);
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
  const uncapped: StatusProvider = {
    async bulkStatus(messageId) {
      const url = new URL(`${baseUrl}/bulk-status`);
      url.searchParams.set('apiKey', apiKey);
      url.searchParams.set('messageId', messageId);
      const response = await fetch(url);
      const body = await response.text();
      return parseBulkStatusReply(body, { messageId, apiKey, httpStatus: response.status });
    },
  };
  const messageId = env('BENCH_MESSAGE_ID');
  let now = Number(env('BENCH_NOW'));
  const deps = {
    provider: uncapped,
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
  // Last, so its 5 MB read does not count in the figures above.
  let realClient = 'accepted the reply';
  try {
    await client.bulkStatus(messageId);
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
