/**
 * The whole engine over loopback for the benchmarks: dynalite, the MailPartner
 * simulator and the local EventBridge endpoint, wired with the adapters and
 * settings production uses (the same wiring as `test/support/harness.ts`, plus
 * request meters on the SDK clients and a virtual clock the benchmark moves).
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { type DynamoServer, startDynamoServer } from '../local/dynamodb-server.ts';
import { type LocalEventBridge, startLocalEventBridge } from '../local/eventbridge-server.ts';
import { type MailPartnerSimulator, startSimulator } from '../local/simulator/server.ts';
import { DEFAULT_POLICY } from '../shared/lifecycle/policy.ts';
import { createMailPartnerClient } from '../shared/mailpartner/client.ts';
import type { StatusProvider, SyncDeps } from '../shared/ports.ts';
import { EventBridgePublisher } from '../shared/publisher/eventbridge-publisher.ts';
import { DynamoStatusStore } from '../shared/store/dynamo-status-store.ts';
import { RequestMeter } from './request-meter.ts';

export const BENCH_API_KEY = 'mp-bench-KEY-0b7e2d';
/** A Monday, 09:00 UTC: the virtual clock starts here. */
export const BENCH_EPOCH = Date.parse('2026-03-02T09:00:00Z');

export interface Loopback {
  readonly dynamo: DynamoServer;
  readonly simulator: MailPartnerSimulator;
  readonly bus: LocalEventBridge;
  readonly meter: RequestMeter;
  /** Metered clients (the store and publisher use them). */
  readonly dynamoClient: DynamoDBClient;
  readonly eventBridge: EventBridgeClient;
  readonly store: DynamoStatusStore;
  readonly publisher: EventBridgePublisher;
  readonly provider: StatusProvider;
  readonly tableName: string;
  /** Virtual clock, ms epoch: drives the simulator's timelines and the sync's `now`. */
  now: number;
  deps(): SyncDeps;
  close(): Promise<void>;
}

export async function startLoopback(
  options: { tableName?: string; providerTimeoutMs?: number } = {},
): Promise<Loopback> {
  const dynamo = await startDynamoServer();
  const simulator = await startSimulator({
    apiKey: BENCH_API_KEY,
    clock: () => loopback.now,
    recordRequests: false,
  });
  const bus = await startLocalEventBridge();
  const meter = new RequestMeter();
  const tableName = options.tableName ?? 'status-sync-bench';
  const dynamoClient = new DynamoDBClient({
    endpoint: dynamo.endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  meter.attachDynamo(dynamoClient);
  const eventBridge = new EventBridgeClient({
    region: 'us-east-1',
    endpoint: bus.url,
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  meter.attachEventBridge(eventBridge);
  // Production settings (runtime/runtime.ts): only the clients differ.
  const store = new DynamoStatusStore({ client: dynamoClient, tableName });
  await store.admin.createTable();
  const publisher = new EventBridgePublisher({ client: eventBridge, eventBusName: 'default' });
  const provider = createMailPartnerClient({
    apiKey: BENCH_API_KEY,
    baseUrl: simulator.url,
    timeoutMs: options.providerTimeoutMs ?? 30_000,
  });
  meter.take();

  const loopback: Loopback = {
    dynamo,
    simulator,
    bus,
    meter,
    dynamoClient,
    eventBridge,
    store,
    publisher,
    provider,
    tableName,
    now: BENCH_EPOCH,
    deps: () => ({
      provider,
      store,
      publisher,
      clock: () => new Date(loopback.now),
      policy: DEFAULT_POLICY,
    }),
    async close() {
      dynamoClient.destroy();
      eventBridge.destroy();
      await Promise.all([simulator.close(), bus.close(), dynamo.close()]);
    },
  };
  return loopback;
}

/**
 * `count` recipients who are all `Waiting` from `sentAt`, then each takes the
 * statuses of `steps` in turn (`steps[i]` at `at[i]`): a message where every
 * recipient changes at the same moments.
 */
export function lockstepRecipients(
  count: number,
  sentAt: number,
  steps: readonly { readonly at: number; readonly status: string }[],
  label = 'r',
) {
  return Array.from({ length: count }, (_, i) => ({
    email: `${label}${String(i).padStart(6, '0')}@bench.example.com`,
    token: `tok${String(i).padStart(8, '0')}bench`,
    events: [
      { atMs: sentAt, status: 'Waiting', cost: 0.012, stopMail: false },
      ...steps.map((s) => ({ atMs: s.at, status: s.status })),
    ],
  }));
}
