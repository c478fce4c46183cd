/**
 * The telemetry contract between the functions and the alarms and dashboard
 * (infra/observability.ts): the CloudWatch namespace (a default, and the rule
 * for a deployment's own), each function's service
 * name (Powertools `serviceName`, the `service` dimension of its metrics and
 * its POWERTOOLS_SERVICE_NAME), every metric with its unit, extra dimensions
 * and the services that emit it, and the log lines the dashboard queries.
 * Handlers emit through `addMetric` below, infra reads the same names, and
 * test/infra/telemetry.test.ts holds both sides to this file.
 */

/**
 * Default CloudWatch namespace of the metrics the functions emit (EMF, through
 * Powertools): a deployment's own namespace is the construct's
 * `metricsNamespace`, see {@link metricsNamespaceOf}.
 */
export const METRICS_NAMESPACE = 'MailPartnerStatusSync';

/** What CloudWatch accepts in a namespace: 1 to 255 of these characters. */
const NAMESPACE_PATTERN = /^[0-9A-Za-z._\-/#: ]{1,255}$/;

/**
 * The namespace of one deployment's metrics: `namespace` (the construct's
 * `metricsNamespace`, or a function's POWERTOOLS_METRICS_NAMESPACE), or
 * {@link METRICS_NAMESPACE} when unset. Alarms and the dashboard read metrics
 * by namespace, service and name only, so two deployments in one account and
 * region must use two namespaces or each fires the other's alarms; the
 * default stays fixed so an existing deployment's alarms keep their data. The
 * convention for a second one is `MailPartnerStatusSync/<deployment>`.
 * Throws on a namespace CloudWatch would refuse (characters, length, the
 * reserved `AWS/` prefix), so a typo fails the synth, not the metrics.
 */
export function metricsNamespaceOf(namespace: string | undefined): string {
  if (namespace === undefined) return METRICS_NAMESPACE;
  if (!NAMESPACE_PATTERN.test(namespace) || /^aws\//i.test(namespace)) {
    throw new Error(
      `metricsNamespace must be 1 to 255 letters, digits, spaces or . _ - / # : and not start with AWS/, got '${namespace}'`,
    );
  }
  return namespace;
}

/** Service name of each function, by its entry file in functions/. */
export const SERVICES = {
  poller: 'poller',
  dispatcher: 'dispatcher',
  worker: 'worker',
  trackMessage: 'track-message',
  /** Operator-invoked erasure of one recipient (docs/privacy.md); emits no metric. */
  forgetRecipient: 'forget-recipient',
} as const;

export type ServiceName = (typeof SERVICES)[keyof typeof SERVICES];

/** Dimension names: `service` is Powertools' default dimension (its `serviceName`). */
export const DIMENSIONS = { service: 'service', errorKind: 'errorKind' } as const;

/** Units the functions use; the same strings as Powertools' `MetricUnit`. */
export type MetricUnitName = 'Count' | 'Milliseconds';

/** One metric: its unit, dimensions beyond `service`, and who emits it. */
export interface MetricSpec {
  readonly unit: MetricUnitName;
  readonly dimensions: readonly (typeof DIMENSIONS)[keyof typeof DIMENSIONS][];
  readonly services: readonly ServiceName[];
  readonly description: string;
}

const { poller, dispatcher, worker, trackMessage } = SERVICES;

/** Every metric the functions emit. */
export const METRICS = {
  MessagesPolled: {
    unit: 'Count',
    dimensions: [],
    services: [poller, worker],
    description: 'Messages asked of MailPartner (one bulk-status request each).',
  },
  StatusChanges: {
    unit: 'Count',
    dimensions: [],
    services: [poller, worker],
    description: 'Recipient status changes found.',
  },
  EventsPublished: {
    unit: 'Count',
    dimensions: [],
    services: [poller, worker],
    description: 'Events accepted by the bus, including pending ones recovered.',
  },
  EventsPending: {
    unit: 'Count',
    dimensions: [],
    services: [poller, worker],
    description: 'Events left in the outbox after the sync (the bus refused them for now).',
  },
  MessagesSkipped: {
    unit: 'Count',
    dimensions: [],
    services: [poller],
    description: 'Due messages a cycle did not start (deadline or budget reached).',
  },
  PublishLagMean: {
    unit: 'Milliseconds',
    dimensions: [],
    services: [poller],
    description: "Mean time from MailPartner's status time to the event, over a cycle.",
  },
  PublishLagMax: {
    unit: 'Milliseconds',
    dimensions: [],
    services: [poller],
    description: "Largest time from MailPartner's status time to the event, over a cycle.",
  },
  SyncErrors: {
    unit: 'Count',
    dimensions: [DIMENSIONS.errorKind],
    services: [poller, worker],
    description: 'Messages whose sync failed, by error kind (shared/sync/error-kind.ts).',
  },
  MessagesDispatched: {
    unit: 'Count',
    dimensions: [],
    services: [dispatcher],
    description: 'Due messages put on the work queue.',
  },
  DispatchFailures: {
    unit: 'Count',
    dimensions: [],
    services: [dispatcher],
    description: 'Due messages the work queue refused after retries.',
  },
  MessagesTracked: {
    unit: 'Count',
    dimensions: [],
    services: [trackMessage],
    description: 'TrackMessage events that started tracking (0 when already tracked).',
  },
  TrackRequestsRejected: {
    unit: 'Count',
    dimensions: [],
    services: [trackMessage],
    description: 'TrackMessage events that can never be tracked as they are.',
  },
} as const satisfies Record<string, MetricSpec>;

export type MetricName = keyof typeof METRICS;

/** Log messages the dashboard's log queries filter on. */
export const LOG_MESSAGES = {
  cycleSummary: 'cycle summary',
  dispatchSummary: 'dispatch summary',
  /** The worker's line for a failed sync, with `messageId`, `errorKind` and `reason`. */
  workerSyncFailed: 'message sync failed; redelivered later',
  /** The worker's line for a work item that can never be synced, with `sqsMessageId` and `problem`. */
  workItemRejected: 'dropping malformed work item',
  /** The forget function's line, with the tombstone `key` prefix and the counts, never the address. */
  recipientForgotten: 'recipient forgotten',
} as const;

/**
 * What emitting needs of Powertools' `Metrics` (or its `singleMetric()`),
 * structurally, so this file imports nothing.
 */
export interface MetricSink {
  addMetric(name: string, unit: MetricUnitName, value: number): unknown;
}

/** Adds a catalogued metric with its catalogued unit. */
export function addMetric(sink: MetricSink, name: MetricName, value: number): void {
  sink.addMetric(name, METRICS[name].unit, value);
}
