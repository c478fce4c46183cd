/**
 * The whole engine over loopback: a DynamoDB-API server (dynalite), the
 * MailPartner simulator and the local EventBridge endpoint, wired with the same
 * adapters production uses. Each test file starts its own.
 */
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { type DynamoServer, startDynamoServer } from '../../local/dynamodb-server.ts';
import { type LocalEventBridge, startLocalEventBridge } from '../../local/eventbridge-server.ts';
import { type MailPartnerSimulator, startSimulator } from '../../local/simulator/server.ts';
import { type LifecyclePolicy, lifecyclePolicy } from '../../shared/lifecycle/policy.ts';
import { createMailPartnerClient } from '../../shared/mailpartner/client.ts';
import type { EventPublisher, StatusProvider, StatusStore, SyncDeps } from '../../shared/ports.ts';
import { EventBridgePublisher } from '../../shared/publisher/eventbridge-publisher.ts';
import { DynamoStatusStore } from '../../shared/store/dynamo-status-store.ts';

export const TEST_API_KEY = 'mp-test-KEY-7f3a9c1e5b';

export interface Harness {
  readonly dynamo: DynamoServer;
  readonly simulator: MailPartnerSimulator;
  readonly bus: LocalEventBridge;
  readonly store: DynamoStatusStore;
  readonly publisher: EventBridgePublisher;
  readonly provider: StatusProvider;
  readonly tableName: string;
  /** Fake clock, ms epoch; tests move it. */
  now: number;
  /** Sync collaborators; parts can be swapped (crash injection, counting). */
  deps(overrides?: {
    store?: StatusStore;
    publisher?: EventPublisher;
    provider?: StatusProvider;
    policy?: LifecyclePolicy;
  }): SyncDeps;
  /** Environment for a CLI process pointed at these servers. */
  env(): Record<string, string>;
  close(): Promise<void>;
}

export async function startHarness(options: { tableName?: string } = {}): Promise<Harness> {
  const dynamo = await startDynamoServer();
  const simulator = await startSimulator({ apiKey: TEST_API_KEY, clock: () => harness.now });
  const bus = await startLocalEventBridge();
  const tableName = options.tableName ?? 'status-sync-test';
  const store = new DynamoStatusStore({ client: dynamo.client(), tableName, sleep: fastSleep });
  await store.admin.createTable();
  const eventBridge = new EventBridgeClient({
    region: 'us-east-1',
    endpoint: bus.url,
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  const publisher = new EventBridgePublisher({
    client: eventBridge,
    eventBusName: 'default',
    minBackoffMs: 1,
    maxAttempts: 3,
  });
  const provider = createMailPartnerClient({
    apiKey: TEST_API_KEY,
    baseUrl: simulator.url,
    retries: 1,
    minBackoffMs: 1,
    timeoutMs: 2_000,
  });
  const harness: Harness = {
    dynamo,
    simulator,
    bus,
    store,
    publisher,
    provider,
    tableName,
    now: Date.parse('2026-11-27T09:00:00Z'),
    deps: (o = {}) => ({
      provider: o.provider ?? provider,
      store: o.store ?? store,
      publisher: o.publisher ?? publisher,
      clock: () => new Date(harness.now),
      policy: o.policy ?? lifecyclePolicy(),
    }),
    env: () => ({
      MAILPARTNER_API_KEY: TEST_API_KEY,
      MAILPARTNER_BASE_URL: simulator.url,
      TABLE_NAME: tableName,
      EVENT_BUS_NAME: 'default',
      AWS_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: 'local',
      AWS_SECRET_ACCESS_KEY: 'local',
      AWS_ENDPOINT_URL_DYNAMODB: dynamo.endpoint,
      AWS_ENDPOINT_URL_EVENTBRIDGE: bus.url,
    }),
    async close() {
      eventBridge.destroy();
      await Promise.all([simulator.close(), bus.close(), dynamo.close()]);
    },
  };
  return harness;
}

async function fastSleep(): Promise<void> {}

/** Events on the bus grouped per recipient, in sequence order, duplicates (same id) removed. */
export function chainsOnBus(bus: LocalEventBridge): Map<string, Array<Record<string, unknown>>> {
  const seen = new Set<string>();
  const chains = new Map<string, Array<Record<string, unknown>>>();
  for (const e of bus.events) {
    const id = String(e.detail.eventId);
    if (seen.has(id)) continue;
    seen.add(id);
    const key = `${e.detail.messageId}|${e.detail.email}|${e.detail.token}`;
    const chain = chains.get(key) ?? [];
    chain.push(e.detail);
    chains.set(key, chain);
  }
  for (const chain of chains.values())
    chain.sort((a, b) => Number(a.sequence) - Number(b.sequence));
  return chains;
}

/** Asserts each chain is 1..n with previousStatus linking; returns a problem or null. */
export function chainProblem(chains: Map<string, Array<Record<string, unknown>>>): string | null {
  for (const [key, chain] of chains) {
    let previous: unknown = null;
    for (const [i, d] of chain.entries()) {
      if (d.sequence !== i + 1)
        return `${key}: sequence ${String(d.sequence)} at position ${i + 1}`;
      if (d.previousStatus !== previous) {
        return `${key}#${i + 1}: previousStatus ${String(d.previousStatus)}, expected ${String(previous)}`;
      }
      previous = d.status;
    }
  }
  return null;
}
