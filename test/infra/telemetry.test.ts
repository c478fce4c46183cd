/**
 * The telemetry contract, both ends: the handlers run (real middy chains,
 * engine over loopback) and their EMF output is captured; both modes are
 * synthesized and every metric an alarm or the dashboard reads is taken from
 * the template. The test holds each end to shared/catalog/telemetry.ts and the
 * two ends to each other: nothing is watched that no handler emits, and
 * everything the running functions emit is watched or shown. It also checks
 * that infra gives each function the catalog's service name and namespace, and
 * that no metric is derived from log lines.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { Template } from 'aws-cdk-lib/assertions';
import type { Context, EventBridgeEvent, SQSEvent } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createDispatcherHandler } from '../../functions/dispatcher.ts';
import { createHandler as createPollerHandler } from '../../functions/poller.ts';
import { createHandler as createTrackHandler } from '../../functions/track-message.ts';
import { createWorkerHandler } from '../../functions/worker.ts';
import { MailPartnerStatusSyncStack } from '../../infra/mailpartner-status-sync-stack.ts';
import {
  DIMENSIONS,
  METRICS,
  METRICS_NAMESPACE,
  type MetricName,
  SERVICES,
  type ServiceName,
} from '../../shared/catalog/telemetry.ts';
import type { WorkItem, WorkQueue } from '../../shared/ports.ts';
import { type Harness, startHarness } from '../support/harness.ts';
import { defined, type TestApp, testApp } from './synth.ts';
import { dashboardWidgets } from './template.ts';

/** One metric as CloudWatch stores it: name, and its dimensions (`service` among them). */
interface MetricKey {
  readonly name: string;
  readonly dimensions: Readonly<Record<string, string>>;
}

/** `name{dim=value,...}`, dimensions sorted; `*` for a value a SEARCH leaves open. */
const keyOf = (m: MetricKey) =>
  `${m.name}{${Object.entries(m.dimensions)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([k, v]) => `${k}=${v}`)
    .join(',')}}`;

/** Emitted metrics per service, with their units, from the captured EMF lines. */
const emitted = new Map<ServiceName, Map<string, { key: MetricKey; unit: string }>>();

const context = {
  functionName: 'f',
  awsRequestId: 'req-1',
  getRemainingTimeInMillis: () => 300_000,
} as unknown as Context;
const quiet = () => new Logger({ logLevel: 'SILENT' });

/**
 * A Metrics as the handler's own defaults build it (catalog namespace and
 * service). POWERTOOLS_DEV makes Powertools print EMF through the global
 * console (single metrics included), which the test captures;
 * POWERTOOLS_METRICS_DISABLED=false keeps dev mode from turning metrics off.
 */
function metricsOf(service: ServiceName): Metrics {
  return new Metrics({ namespace: METRICS_NAMESPACE, serviceName: service });
}

/** Runs `body` and records every EMF line printed meanwhile. */
async function capture(body: () => Promise<unknown>): Promise<void> {
  const lines: string[] = [];
  const spy = vi.spyOn(console, 'log').mockImplementation((line: unknown) => {
    lines.push(String(line));
  });
  try {
    await body().catch(() => undefined); // a rejected TrackMessage rethrows: metrics are out.
  } finally {
    spy.mockRestore();
  }
  for (const line of lines) {
    if (!line.startsWith('{')) continue;
    const emf = JSON.parse(line) as Record<string, unknown> & {
      _aws?: {
        CloudWatchMetrics: {
          Namespace: string;
          Dimensions: string[][];
          Metrics: { Name: string; Unit: string }[];
        }[];
      };
    };
    for (const directive of emf._aws?.CloudWatchMetrics ?? []) {
      expect(directive.Namespace).toBe(METRICS_NAMESPACE);
      const dimensionNames = directive.Dimensions.flat();
      const dimensions = Object.fromEntries(dimensionNames.map((d) => [d, String(emf[d])]));
      const service = dimensions[DIMENSIONS.service] as ServiceName;
      const byKey = emitted.get(service) ?? new Map();
      for (const metric of directive.Metrics) {
        const key = { name: metric.Name, dimensions };
        byKey.set(keyOf(key), { key, unit: metric.Unit });
      }
      emitted.set(service, byKey);
    }
  }
}

/** An in-memory FIFO work queue (the dispatcher's port); the worker gets its items as SQS records. */
class MemoryQueue implements WorkQueue {
  readonly items: WorkItem[] = [];
  async enqueue(items: readonly WorkItem[]) {
    this.items.push(...items);
    return { failed: [] };
  }
  drain(): SQSEvent {
    const batch = this.items.splice(0, 10);
    return {
      Records: batch.map((item, i) => ({
        messageId: `sqs-${i}`,
        receiptHandle: 'r',
        body: JSON.stringify({ messageId: item.messageId }),
        attributes: {
          ApproximateReceiveCount: '1',
          SentTimestamp: '0',
          SenderId: 's',
          ApproximateFirstReceiveTimestamp: '0',
          MessageGroupId: item.messageId,
          MessageDeduplicationId: item.dedupId,
          SequenceNumber: String(i),
        },
        messageAttributes: {},
        md5OfBody: '',
        eventSource: 'aws:sqs',
        eventSourceARN: 'arn:aws:sqs:us-east-1:111122223333:work.fifo',
        awsRegion: 'us-east-1',
      })),
    } as SQSEvent;
  }
}

function trackEvent(id: string, detail: unknown): EventBridgeEvent<string, unknown> {
  return {
    version: '0',
    id,
    'detail-type': 'TrackMessage',
    source: 'mailpartner.status-sync.client',
    account: '111122223333',
    time: new Date(0).toISOString(),
    region: 'us-east-1',
    resources: [],
    detail,
  };
}

let h: Harness;
let t: TestApp;
let single: { stack: MailPartnerStatusSyncStack; template: Template };
let fanOut: { stack: MailPartnerStatusSyncStack; template: Template };

beforeAll(async () => {
  h = await startHarness({ tableName: 'telemetry-test' });
  vi.stubEnv('POWERTOOLS_DEV', 'true');
  // Dev mode would also disable metrics; this setting takes precedence.
  vi.stubEnv('POWERTOOLS_METRICS_DISABLED', 'false');
  try {
    // Poller: one message changes (counts and lag), one fails (SyncErrors by kind).
    h.simulator.script('p-ok', [
      {
        kind: 'ok',
        recipients: [{ email: 'a@x.fr', status: 'Delivered', date: Math.floor(h.now / 1000) - 30 }],
      },
    ]);
    h.simulator.script('p-bad', [{ kind: 'http', status: 503 }]);
    for (const id of ['p-ok', 'p-bad']) await h.store.track(id, {}, new Date(h.now - 1_000));
    const poller = createPollerHandler({
      syncDeps: () => h.deps(),
      concurrency: 2,
      budgetPerMinute: 100,
      logger: quiet(),
      metrics: metricsOf(SERVICES.poller),
    });
    await capture(() => poller({}, context));

    // Fan-out: the dispatcher enqueues what is due, the worker syncs it.
    h.now += 24 * 3_600_000;
    for (const m of await h.store.listDue(new Date(h.now), { force: true })) {
      await h.store.untrack(m.messageId);
    }
    h.simulator.script('w-ok', [
      { kind: 'ok', recipients: [{ email: 'b@x.fr', status: 'Opened' }] },
    ]);
    h.simulator.script('w-bad', [{ kind: 'http', status: 503 }]);
    for (const id of ['w-ok', 'w-bad']) await h.store.track(id, {}, new Date(h.now - 1_000));
    const queue = new MemoryQueue();
    const dispatcher = createDispatcherHandler({
      store: h.store,
      queue,
      budgetPerMinute: 100,
      clock: () => new Date(h.now),
      logger: quiet(),
      metrics: metricsOf(SERVICES.dispatcher),
    });
    await capture(() => dispatcher({}, context));
    const worker = createWorkerHandler({
      syncDeps: () => h.deps(),
      logger: quiet(),
      metrics: metricsOf(SERVICES.worker),
    });
    await capture(() => worker(queue.drain(), context));

    // TrackMessage: one event tracked, one rejected.
    for (const [id, detail] of [
      ['evt-1', { messageId: 't-1' }],
      ['evt-2', { nothing: true }],
    ] as const) {
      const track = createTrackHandler({
        sync: { store: h.store, publisher: h.publisher },
        clock: () => new Date(h.now),
        logger: quiet(),
        metrics: metricsOf(SERVICES.trackMessage),
      });
      await capture(() => track(trackEvent(id, detail), context));
    }
  } finally {
    vi.unstubAllEnvs();
  }

  t = testApp();
  const singleStack = new MailPartnerStatusSyncStack(t.app, 'TelemetrySingle');
  const fanOutStack = new MailPartnerStatusSyncStack(t.app, 'TelemetryFanOut', {
    sync: { mode: 'fan-out' },
  });
  single = { stack: singleStack, template: Template.fromStack(singleStack) };
  fanOut = { stack: fanOutStack, template: Template.fromStack(fanOutStack) };
}, 120_000);

afterAll(async () => {
  await h?.close();
  t?.cleanup();
});

/** What the catalog says `service` emits, as metric keys (an errorKind's value left open). */
function catalogued(service: ServiceName): string[] {
  return (Object.entries(METRICS) as [MetricName, (typeof METRICS)[MetricName]][])
    .filter(([, spec]) => (spec.services as readonly string[]).includes(service))
    .map(([name, spec]) =>
      keyOf({
        name,
        dimensions: Object.fromEntries([
          [DIMENSIONS.service, service],
          ...spec.dimensions.map((d) => [d, '*']),
        ]),
      }),
    )
    .sort();
}

/** An emitted key with the values of catalogued extra dimensions (errorKind) left open. */
function open(key: MetricKey): string {
  return keyOf({
    name: key.name,
    dimensions: Object.fromEntries(
      Object.entries(key.dimensions).map(([k, v]) => [k, k === DIMENSIONS.service ? v : '*']),
    ),
  });
}

describe('what the handlers emit', () => {
  it.each(Object.values(SERVICES))(
    '%s emits exactly its catalogued metrics, in their units',
    (service) => {
      const metrics = [...(emitted.get(service)?.values() ?? [])];
      expect([...new Set(metrics.map((m) => open(m.key)))].sort()).toEqual(catalogued(service));
      for (const { key, unit } of metrics) {
        expect(unit, key.name).toBe(METRICS[key.name as MetricName].unit);
      }
    },
  );

  it('counts sync errors by a real error kind', () => {
    const kinds = [...(emitted.get(SERVICES.worker)?.values() ?? [])]
      .filter((m) => m.key.name === 'SyncErrors')
      .map((m) => m.key.dimensions[DIMENSIONS.errorKind]);
    expect(kinds).toEqual(['transient']);
  });
});

/** Every metric of our namespace an alarm reads, as keys (exact dimension values). */
function alarmReads(template: Template): MetricKey[] {
  type Stat = {
    Namespace?: string;
    MetricName?: string;
    Dimensions?: { Name: string; Value: unknown }[];
  };
  const reads: MetricKey[] = [];
  const add = (m: Stat | undefined) => {
    if (m?.Namespace !== METRICS_NAMESPACE || !m.MetricName) return;
    reads.push({
      name: m.MetricName,
      dimensions: Object.fromEntries((m.Dimensions ?? []).map((d) => [d.Name, String(d.Value)])),
    });
  };
  for (const alarm of Object.values(template.findResources('AWS::CloudWatch::Alarm'))) {
    const p = (alarm as { Properties: Stat & { Metrics?: { MetricStat?: { Metric: Stat } }[] } })
      .Properties;
    add(p);
    for (const m of p.Metrics ?? []) add(m.MetricStat?.Metric);
  }
  return reads;
}

/**
 * Every metric of our namespace the dashboard reads: graph metrics
 * `[namespace, name, dim, value, ..., options?]` and SEARCH expressions
 * (`{namespace,dims} MetricName="x" service="y"`, other dimensions open).
 */
function dashboardReads(template: Template): MetricKey[] {
  const reads: MetricKey[] = [];
  for (const widget of dashboardWidgets(template)) {
    for (const row of widget.properties.metrics ?? []) {
      const [first] = row;
      if (first === METRICS_NAMESPACE) {
        const parts = row.filter((p): p is string => typeof p === 'string');
        const dimensions: Record<string, string> = {};
        for (let i = 2; i + 1 < parts.length; i += 2)
          dimensions[parts[i] as string] = parts[i + 1] as string;
        reads.push({ name: parts[1] as string, dimensions });
      } else if (typeof first === 'object' && first && 'expression' in first) {
        const expression = String((first as { expression: string }).expression);
        const search = /SEARCH\('\{([^}]*)\} MetricName="([^"]+)"((?: \w+="[^"]*")*)'/.exec(
          expression,
        );
        if (!search) continue;
        const [namespace, ...dims] = (search[1] as string).split(',');
        expect(namespace).toBe(METRICS_NAMESPACE);
        const fixed = Object.fromEntries(
          [...(search[3] as string).matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1], m[2]]),
        );
        reads.push({
          name: search[2] as string,
          dimensions: Object.fromEntries(dims.map((d) => [d, fixed[d] ?? '*'])),
        });
      }
    }
  }
  return reads;
}

describe.each([
  ['single', () => single, [SERVICES.poller, SERVICES.trackMessage]],
  ['fan-out', () => fanOut, [SERVICES.dispatcher, SERVICES.worker, SERVICES.trackMessage]],
] as const)('%s mode: alarms and dashboard', (_mode, synthesized, services) => {
  it('read only metrics the handlers emit, with the dimensions they emit', () => {
    const { template } = synthesized();
    const alarms = alarmReads(template);
    const dashboard = dashboardReads(template);
    expect(alarms.length).toBeGreaterThan(0);
    expect(dashboard.length).toBeGreaterThan(0);
    const emittedKeys = new Set(
      (services as readonly ServiceName[]).flatMap((s) =>
        [...(emitted.get(s)?.values() ?? [])].flatMap((m) => [keyOf(m.key), open(m.key)]),
      ),
    );
    // An alarm names its errorKind; the catalog lets any kind through, the
    // handlers emitted one: compare alarms with the kind left open.
    const unknownAlarms = alarms.map(open).filter((k) => !emittedKeys.has(k));
    const unknownWidgets = dashboard.map(keyOf).filter((k) => !emittedKeys.has(k));
    expect(unknownAlarms).toEqual([]);
    expect(unknownWidgets).toEqual([]);
  });

  it("watch or show every metric this mode's functions emit", () => {
    const { template } = synthesized();
    const read = new Set([...alarmReads(template), ...dashboardReads(template)].map(open));
    const unwatched = (services as readonly ServiceName[])
      .flatMap((s) => catalogued(s))
      .filter((k) => !read.has(k));
    expect(unwatched).toEqual([]);
  });

  it("give each function the catalog's service name and namespace, and count nothing from logs", () => {
    const { stack, template } = synthesized();
    const functions = {
      [SERVICES.poller]: stack.sync.poller,
      [SERVICES.dispatcher]: stack.sync.fanOut?.dispatcher,
      [SERVICES.worker]: stack.sync.fanOut?.worker,
      [SERVICES.trackMessage]: stack.sync.trackMessage,
    };
    for (const service of services) {
      const fn = defined(functions[service], `the ${service} function`);
      const id = stack.getLogicalId(fn.node.defaultChild as never);
      const variables = template.toJSON().Resources[id].Properties.Environment.Variables;
      expect(variables, service).toMatchObject({
        POWERTOOLS_SERVICE_NAME: service,
        POWERTOOLS_METRICS_NAMESPACE: METRICS_NAMESPACE,
      });
    }
    template.resourceCountIs('AWS::Logs::MetricFilter', 0);
  });
});
