/**
 * Middy middleware that publishes the sync figures once the handler is done:
 * the poller's cycle summary and the worker's per-message outcomes go through
 * one mapping (`addSyncMetrics`) to the catalogued metrics. Use it after
 * Powertools' `logMetrics`, so its `after`/`onError` (run in reverse order of
 * use) add the metrics before `logMetrics` flushes them.
 */
import type { Metrics } from '@aws-lambda-powertools/metrics';
import type middy from '@middy/core';
import { addMetric, DIMENSIONS } from '../../shared/catalog/telemetry.ts';
import type { CycleSummary } from '../../shared/sync/sync-cycle.ts';
import type { MessageOutcome } from '../../shared/sync/sync-message.ts';

/** What one sync reports; an absent figure is not emitted. */
export interface SyncFigures {
  readonly messagesPolled: number;
  readonly changes?: number;
  readonly eventsPublished?: number;
  readonly eventsPending?: number;
  readonly skipped?: number;
  readonly lagMs?: { readonly mean: number; readonly max: number } | null;
  /** Failed syncs by error kind. */
  readonly errors: Readonly<Partial<Record<string, number>>>;
}

/** A whole cycle's figures (every figure present, zeros included). */
export function cycleFigures(s: Omit<CycleSummary, 'outcomes'>): SyncFigures {
  return {
    messagesPolled: s.messagesPolled,
    changes: s.changes,
    eventsPublished: s.eventsPublished + s.eventsRecovered,
    eventsPending: s.eventsPending,
    skipped: s.skipped,
    lagMs: s.lagMs,
    errors: s.errors,
  };
}

/** One message's figures: changes and pending only when it changed. */
export function outcomeFigures(o: MessageOutcome): SyncFigures {
  const published = (o.kind === 'changed' ? o.published : 0) + o.recovered;
  return {
    messagesPolled: 1,
    ...(o.kind === 'changed' ? { changes: o.changes, eventsPending: o.pending } : {}),
    ...(o.kind === 'changed' || o.recovered > 0 ? { eventsPublished: published } : {}),
    errors: o.kind === 'error' ? { [o.errorKind]: 1 } : {},
  };
}

/** The one mapping from sync figures to metrics (`SyncErrors` per kind, as its own EMF blob). */
export function addSyncMetrics(metrics: Metrics, f: SyncFigures): void {
  addMetric(metrics, 'MessagesPolled', f.messagesPolled);
  if (f.changes !== undefined) addMetric(metrics, 'StatusChanges', f.changes);
  if (f.eventsPublished !== undefined) addMetric(metrics, 'EventsPublished', f.eventsPublished);
  if (f.eventsPending !== undefined) addMetric(metrics, 'EventsPending', f.eventsPending);
  if (f.skipped !== undefined) addMetric(metrics, 'MessagesSkipped', f.skipped);
  if (f.lagMs) {
    addMetric(metrics, 'PublishLagMean', f.lagMs.mean);
    addMetric(metrics, 'PublishLagMax', f.lagMs.max);
  }
  for (const [kind, count] of Object.entries(f.errors)) {
    const single = metrics.singleMetric();
    single.addDimension(DIMENSIONS.errorKind, kind);
    addMetric(single, 'SyncErrors', count ?? 0);
  }
}

/**
 * Outcomes gathered while a handler runs (the worker's records), taken by the
 * middleware when it is done. Shared per handler like Powertools' metric
 * buffer: Lambda runs one invocation at a time per instance.
 */
export function outcomeTally() {
  let outcomes: MessageOutcome[] = [];
  return {
    add(outcome: MessageOutcome): void {
      outcomes.push(outcome);
    },
    take(): SyncFigures[] {
      const taken = outcomes.map(outcomeFigures);
      outcomes = [];
      return taken;
    },
  };
}

export interface SyncMetricsOptions {
  readonly metrics?: Metrics;
  /** The figures to publish. Default: the response, read as a cycle summary. */
  readonly figures?: (request: middy.Request) => readonly SyncFigures[];
}

const defaults = {
  metrics: undefined as Metrics | undefined,
  figures: (request: middy.Request): readonly SyncFigures[] =>
    request.response ? [cycleFigures(request.response as Omit<CycleSummary, 'outcomes'>)] : [],
};

/** Publishes the sync figures after the handler, and what was gathered when it failed. */
export function syncMetrics(opts: SyncMetricsOptions = {}): middy.MiddlewareObj {
  const { metrics, figures } = { ...defaults, ...opts };
  const publish = (request: middy.Request): void => {
    for (const f of figures(request)) if (metrics) addSyncMetrics(metrics, f);
  };
  const syncMetricsAfter = async (request: middy.Request): Promise<void> => {
    publish(request);
  };
  const syncMetricsOnError = async (request: middy.Request): Promise<void> => {
    publish(request);
  };
  return { after: syncMetricsAfter, onError: syncMetricsOnError };
}
