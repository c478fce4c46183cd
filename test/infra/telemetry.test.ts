/**
 * The telemetry contract, both ends: the handlers run (real middy chains,
 * engine over loopback) and their EMF output is captured; both modes are
 * synthesized and every metric an alarm or the dashboard reads is taken from
 * the template. The test holds each end to shared/catalog/telemetry.ts and the
 * two ends to each other: nothing is watched that no handler emits, and
 * everything the running functions emit is watched or shown. It also checks
 * that infra gives each function the catalog's service name and namespace, and
 * that no metric is derived from log lines. All of it twice: with the default
 * namespace, and with `metricsNamespace: 'Orders/StatusSync'`, the handlers
 * running with the POWERTOOLS_METRICS_NAMESPACE the template gives them; and
 * two deployments in one stack share no alarm metric of their own.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import type { Context, EventBridgeEvent, SQSEvent } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createDispatcherHandler } from '../../functions/dispatcher.ts';
import { createHandler as createPollerHandler } from '../../functions/poller.ts';
import { createHandler as createTrackHandler } from '../../functions/track-message.ts';
import { createWorkerHandler } from '../../functions/worker.ts';
import { MailPartnerStatusSync } from '../../infra/mailpartner-status-sync.ts';
import { MailPartnerStatusSyncStack } from '../../infra/mailpartner-status-sync-stack.ts';
import { functionMetrics } from '../../runtime/function-metrics.ts';
import {
  DIMENSIONS,
  METRICS,
  METRICS_NAMESPACE,
  type MetricName,
  SERVICES,
  type ServiceName,
} from '../../shared/catalog/telemetry.ts';
import type { WorkItem, WorkQueue } from '../../shared/ports.ts';
import { startHarness } from '../support/harness.ts';
import { defined, type TestApp, testApp } from './synth.ts';
import { dashboardWidgets, logicalId } from './template.ts';

/** One metric as CloudWatch stores it: namespace, name, and its dimensions (`service` among them). */
interface MetricKey {
  readonly namespace: string;
  readonly name: string;
  readonly dimensions: Readonly<Record<string, string>>;
}

/** `namespace|name{dim=value,...}`, dimensions sorted; `*` for a value a SEARCH leaves open. */
const keyOf = (m: MetricKey) =>
  `${m.namespace}|${m.name}{${Object.entries(m.dimensions)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([k, v]) => `${k}=${v}`)
    .join(',')}}`;

/** Emitted metrics per service, with their units, from the captured EMF lines. */
type Emitted = Map<ServiceName, Map<string, { key: MetricKey; unit: string }>>;

/** The namespace a deployment sets (`metricsNamespace`) to keep its alarms apart. */
const CUSTOM_NAMESPACE = 'Orders/StatusSync';
type Deployment = 'default' | 'custom';
const NAMESPACE_OF: Record<Deployment, string> = {
  default: METRICS_NAMESPACE,
  custom: CUSTOM_NAMESPACE,
};

const context = {
  functionName: 'f',
  awsRequestId: 'req-1',
  getRemainingTimeInMillis: () => 300_000,
} as unknown as Context;
const quiet = () => new Logger({ logLevel: 'SILENT' });

/** Runs `body` and records every EMF line printed meanwhile into `emitted`. */
async function capture(emitted: Emitted, body: () => Promise<unknown>): Promise<void> {
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
      const dimensionNames = directive.Dimensions.flat();
      const dimensions = Object.fromEntries(dimensionNames.map((d) => [d, String(emf[d])]));
      const service = dimensions[DIMENSIONS.service] as ServiceName;
      const byKey = emitted.get(service) ?? new Map();
      for (const metric of directive.Metrics) {
        const key = { namespace: directive.Namespace, name: metric.Name, dimensions };
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

interface Synthesized {
  readonly stack: MailPartnerStatusSyncStack;
  readonly template: Template;
}

/** The function of `service` in a synthesized stack, and the environment its template gives it. */
function functionVariables({ stack, template }: Synthesized, service: ServiceName) {
  const functions = {
    [SERVICES.poller]: stack.sync.poller,
    [SERVICES.dispatcher]: stack.sync.fanOut?.dispatcher,
    [SERVICES.worker]: stack.sync.fanOut?.worker,
    [SERVICES.trackMessage]: stack.sync.trackMessage,
    [SERVICES.forgetRecipient]: stack.sync.forgetRecipient,
  };
  const fn = defined(functions[service], `the ${service} function`);
  return template.toJSON().Resources[logicalId(stack, fn)].Properties.Environment
    .Variables as Record<string, string>;
}

/**
 * Runs every handler once (real middy chains, engine over loopback) and
 * returns what they emitted. Each one's Metrics is built as its module builds
 * it (`functionMetrics`, from process.env), with the environment variables
 * `envOf` gives, those of its function in a synthesized template.
 * POWERTOOLS_DEV makes Powertools print EMF through the global console
 * (single metrics included), which the test captures;
 * POWERTOOLS_METRICS_DISABLED=false keeps dev mode from turning metrics off.
 */
async function runHandlers(
  tableName: string,
  envOf: (service: ServiceName) => Record<string, string>,
): Promise<Emitted> {
  const emitted: Emitted = new Map();
  const metricsOf = (service: ServiceName) => {
    vi.stubEnv('POWERTOOLS_METRICS_NAMESPACE', envOf(service).POWERTOOLS_METRICS_NAMESPACE);
    return functionMetrics(service);
  };
  const h = await startHarness({ tableName });
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
    await capture(emitted, () => poller({}, context));

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
    await capture(emitted, () => dispatcher({}, context));
    const worker = createWorkerHandler({
      syncDeps: () => h.deps(),
      logger: quiet(),
      metrics: metricsOf(SERVICES.worker),
    });
    await capture(emitted, () => worker(queue.drain(), context));

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
      await capture(emitted, () => track(trackEvent(id, detail), context));
    }
  } finally {
    vi.unstubAllEnvs();
    await h.close();
  }
  return emitted;
}

let t: TestApp;
const synthesized = {} as Record<Deployment, { single: Synthesized; fanOut: Synthesized }>;
const emittedBy = {} as Record<Deployment, Emitted>;

beforeAll(async () => {
  t = testApp();
  const stack = (id: string, props: ConstructorParameters<typeof MailPartnerStatusSyncStack>[2]) =>
    new MailPartnerStatusSyncStack(t.app, id, props);
  // Every stack exists before the first template: synthesis freezes the app.
  const stacks = {
    default: {
      single: stack('TelemetrySingle', {}),
      fanOut: stack('TelemetryFanOut', { sync: { mode: 'fan-out' } }),
    },
    custom: {
      single: stack('TelemetryCustomSingle', { sync: { metricsNamespace: CUSTOM_NAMESPACE } }),
      fanOut: stack('TelemetryCustomFanOut', {
        sync: { mode: 'fan-out', metricsNamespace: CUSTOM_NAMESPACE },
      }),
    },
  };
  for (const deployment of ['default', 'custom'] as const) {
    const { single, fanOut } = stacks[deployment];
    synthesized[deployment] = {
      single: { stack: single, template: Template.fromStack(single) },
      fanOut: { stack: fanOut, template: Template.fromStack(fanOut) },
    };
  }
  for (const deployment of ['default', 'custom'] as const) {
    const { single, fanOut } = synthesized[deployment];
    emittedBy[deployment] = await runHandlers(`telemetry-${deployment}`, (service) =>
      functionVariables(
        service === SERVICES.dispatcher || service === SERVICES.worker ? fanOut : single,
        service,
      ),
    );
  }
}, 180_000);

afterAll(() => {
  t?.cleanup();
});

/** What the catalog says `service` emits in `namespace`, as metric keys (an errorKind's value left open). */
function catalogued(namespace: string, service: ServiceName): string[] {
  return (Object.entries(METRICS) as [MetricName, (typeof METRICS)[MetricName]][])
    .filter(([, spec]) => (spec.services as readonly string[]).includes(service))
    .map(([name, spec]) =>
      keyOf({
        namespace,
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
    namespace: key.namespace,
    name: key.name,
    dimensions: Object.fromEntries(
      Object.entries(key.dimensions).map(([k, v]) => [k, k === DIMENSIONS.service ? v : '*']),
    ),
  });
}

describe.each(['default', 'custom'] as const)(
  'what the handlers emit (%s namespace)',
  (deployment) => {
    it.each(Object.values(SERVICES))(
      '%s emits exactly its catalogued metrics, in their units and namespace',
      (service) => {
        const metrics = [...(emittedBy[deployment].get(service)?.values() ?? [])];
        expect([...new Set(metrics.map((m) => open(m.key)))].sort()).toEqual(
          catalogued(NAMESPACE_OF[deployment], service),
        );
        for (const { key, unit } of metrics) {
          expect(unit, key.name).toBe(METRICS[key.name as MetricName].unit);
        }
      },
    );

    it('counts sync errors by a real error kind', () => {
      const kinds = [...(emittedBy[deployment].get(SERVICES.worker)?.values() ?? [])]
        .filter((m) => m.key.name === 'SyncErrors')
        .map((m) => m.key.dimensions[DIMENSIONS.errorKind]);
      expect(kinds).toEqual(['transient']);
    });
  },
);

/** The functions' own namespaces: any but CloudWatch's reserved AWS/ ones. */
const ours = (namespace: unknown): namespace is string =>
  typeof namespace === 'string' && !namespace.startsWith('AWS/');

/** Every metric of the functions' namespaces an alarm reads, as keys (exact dimension values). */
function alarmReads(template: Template): MetricKey[] {
  type Stat = {
    Namespace?: string;
    MetricName?: string;
    Dimensions?: { Name: string; Value: unknown }[];
  };
  const reads: MetricKey[] = [];
  const add = (m: Stat | undefined) => {
    if (!ours(m?.Namespace) || !m.MetricName) return;
    reads.push({
      namespace: m.Namespace,
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
 * Every metric of the functions' namespaces the dashboard reads: graph metrics
 * `[namespace, name, dim, value, ..., options?]` and SEARCH expressions
 * (`{namespace,dims} MetricName="x" service="y"`, other dimensions open; a
 * namespace may be quoted).
 */
function dashboardReads(template: Template): MetricKey[] {
  const reads: MetricKey[] = [];
  for (const widget of dashboardWidgets(template)) {
    for (const row of widget.properties.metrics ?? []) {
      const [first] = row;
      if (ours(first)) {
        const parts = row.filter((p): p is string => typeof p === 'string');
        const dimensions: Record<string, string> = {};
        for (let i = 2; i + 1 < parts.length; i += 2)
          dimensions[parts[i] as string] = parts[i + 1] as string;
        reads.push({ namespace: first, name: parts[1] as string, dimensions });
      } else if (typeof first === 'object' && first && 'expression' in first) {
        const expression = String((first as { expression: string }).expression);
        const search = /SEARCH\('\{([^}]*)\} MetricName="([^"]+)"((?: \w+="[^"]*")*)'/.exec(
          expression,
        );
        if (!search) continue;
        const [quoted, ...dims] = (search[1] as string).split(',');
        const namespace = (quoted as string).replace(/^"(.*)"$/, '$1');
        const fixed = Object.fromEntries(
          [...(search[3] as string).matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1], m[2]]),
        );
        reads.push({
          namespace,
          name: search[2] as string,
          dimensions: Object.fromEntries(dims.map((d) => [d, fixed[d] ?? '*'])),
        });
      }
    }
  }
  return reads;
}

const MODES = [
  ['single', [SERVICES.poller, SERVICES.trackMessage]],
  ['fanOut', [SERVICES.dispatcher, SERVICES.worker, SERVICES.trackMessage]],
] as const;

describe.each(
  (['default', 'custom'] as const).flatMap((d) => MODES.map(([m, s]) => [m, d, s] as const)),
)('%s mode, %s namespace: alarms and dashboard', (mode, deployment, services) => {
  const deployed = () => synthesized[deployment][mode];
  const emitted = () => emittedBy[deployment];

  it('read only metrics the handlers emit, in their namespace, with the dimensions they emit', () => {
    const { template } = deployed();
    const alarms = alarmReads(template);
    const dashboard = dashboardReads(template);
    expect(alarms.length).toBeGreaterThan(0);
    expect(dashboard.length).toBeGreaterThan(0);
    const emittedKeys = new Set(
      (services as readonly ServiceName[]).flatMap((s) =>
        [...(emitted().get(s)?.values() ?? [])].flatMap((m) => [keyOf(m.key), open(m.key)]),
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
    const { template } = deployed();
    const read = new Set([...alarmReads(template), ...dashboardReads(template)].map(open));
    const unwatched = (services as readonly ServiceName[])
      .flatMap((s) => catalogued(NAMESPACE_OF[deployment], s))
      .filter((k) => !read.has(k));
    expect(unwatched).toEqual([]);
  });

  it("give each function the catalog's service name and the deployment's namespace, and count nothing from logs", () => {
    const { template } = deployed();
    for (const service of [...services, SERVICES.forgetRecipient]) {
      expect(functionVariables(deployed(), service), service).toMatchObject({
        POWERTOOLS_SERVICE_NAME: service,
        POWERTOOLS_METRICS_NAMESPACE: NAMESPACE_OF[deployment],
      });
    }
    template.resourceCountIs('AWS::Logs::MetricFilter', 0);
  });
});

describe('two deployments in one account', () => {
  const cleanups: (() => void)[] = [];
  afterAll(() => {
    for (const cleanup of cleanups) cleanup();
  });
  /** Each alarm metric of `sync`, as JSON with its dimension values (resource references included). */
  function alarmMetrics(stack: Stack, sync: MailPartnerStatusSync): Set<string> {
    type Stat = { Namespace?: string; MetricName?: string; Dimensions?: unknown };
    const resources = Template.fromStack(stack).toJSON().Resources;
    const metrics = new Set<string>();
    for (const alarm of sync.alarms) {
      const p = resources[logicalId(stack, alarm)].Properties as Stat & {
        Metrics?: { MetricStat?: { Metric: Stat } }[];
      };
      for (const m of [p, ...(p.Metrics ?? []).map((x) => x.MetricStat?.Metric)]) {
        if (m?.MetricName) metrics.add(JSON.stringify([m.Namespace, m.MetricName, m.Dimensions]));
      }
    }
    return metrics;
  }
  function shared(namespaces: [string | undefined, string | undefined]): string[] {
    const app = testApp();
    cleanups.push(app.cleanup);
    const stack = new Stack(app.app, 'TwoDeployments');
    const [a, b] = namespaces.map(
      (metricsNamespace, i) =>
        new MailPartnerStatusSync(stack, `Sync${i}`, {
          ...(metricsNamespace ? { metricsNamespace } : {}),
        }),
    ) as [MailPartnerStatusSync, MailPartnerStatusSync];
    const second = alarmMetrics(stack, b);
    return [...alarmMetrics(stack, a)].filter((m) => second.has(m)).sort();
  }
  const accountWide = JSON.stringify([
    'AWS/Events',
    'PutEventsApproximateThrottledCount',
    undefined,
  ]);

  it("in one namespace, read the same metrics: each fires the other's alarms", () => {
    const both = shared([undefined, undefined]);
    expect(both).toContain(accountWide);
    expect(both.filter((m) => ours(JSON.parse(m)[0])).length).toBeGreaterThan(0);
  });

  it('in two namespaces, share no alarm metric but the account-wide PutEvents throttle', () => {
    expect(shared([undefined, CUSTOM_NAMESPACE])).toEqual([accountWide]);
  });

  it('refuse a namespace CloudWatch would not accept', () => {
    const app = testApp();
    cleanups.push(app.cleanup);
    const stack = new Stack(app.app, 'BadNamespaces');
    for (const [i, metricsNamespace] of ['', 'AWS/Lambda', "it's", 'x'.repeat(256)].entries()) {
      expect(
        () => new MailPartnerStatusSync(stack, `Sync${i}`, { metricsNamespace }),
        metricsNamespace,
      ).toThrow(/metricsNamespace must be/);
    }
  });
});
