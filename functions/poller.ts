/**
 * The scheduled poller: one sync cycle per invocation. Thin by design: it reads
 * configuration, composes the engine and reports the cycle as logs and metrics.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import { loadApiKey } from '../runtime/api-key.ts';
import { createRuntime } from '../runtime/runtime.ts';
import { addMetric, DIMENSIONS, METRICS_NAMESPACE, SERVICES } from '../shared/catalog/telemetry.ts';
import { loadConfig } from '../shared/config.ts';
import type { SyncDeps } from '../shared/ports.ts';
import { type CycleSummary, runCycle } from '../shared/sync/sync-cycle.ts';

/** Stop starting new messages this long before Lambda's deadline. */
export const DEADLINE_MARGIN_MS = 20_000;

export interface PollerDeps {
  readonly syncDeps: () => SyncDeps;
  readonly concurrency: number;
  /** At most this many messages a cycle: the provider budget (one request each). */
  readonly budgetPerMinute: number;
  readonly logger: Logger;
  readonly metrics: Metrics;
}

export function createHandler(deps: PollerDeps) {
  const poll = async (
    _event: unknown,
    context: Context,
  ): Promise<Omit<CycleSummary, 'outcomes'>> => {
    const sync = deps.syncDeps();
    // Measured on the cycle's own clock, which decides when to stop starting work.
    const deadline =
      sync.clock().getTime() + context.getRemainingTimeInMillis() - DEADLINE_MARGIN_MS;
    const { outcomes, ...summary } = await runCycle(sync, {
      concurrency: deps.concurrency,
      limit: deps.budgetPerMinute,
      deadline,
      onOutcome: (o) => {
        if (o.kind === 'error') {
          deps.logger.warn('message sync failed', {
            messageId: o.messageId,
            errorKind: o.errorKind,
            reason: o.message,
          });
        }
      },
    });
    recordMetrics(deps.metrics, summary);
    deps.logger.info('cycle summary', { summary });
    if (summary.stoppedBy === 'configuration') {
      deps.logger.error('cycle stopped by a configuration error', { errors: summary.errors });
    }
    return summary;
  };
  return middy(poll).use(injectLambdaContext(deps.logger)).use(logMetrics(deps.metrics));
}

function recordMetrics(metrics: Metrics, s: Omit<CycleSummary, 'outcomes'>): void {
  addMetric(metrics, 'MessagesPolled', s.messagesPolled);
  addMetric(metrics, 'StatusChanges', s.changes);
  addMetric(metrics, 'EventsPublished', s.eventsPublished + s.eventsRecovered);
  addMetric(metrics, 'EventsPending', s.eventsPending);
  addMetric(metrics, 'MessagesSkipped', s.skipped);
  if (s.lagMs) {
    addMetric(metrics, 'PublishLagMean', s.lagMs.mean);
    addMetric(metrics, 'PublishLagMax', s.lagMs.max);
  }
  for (const [kind, count] of Object.entries(s.errors)) {
    const single = metrics.singleMetric();
    single.addDimension(DIMENSIONS.errorKind, kind);
    addMetric(single, 'SyncErrors', count ?? 0);
  }
}

function defaultDeps(): PollerDeps {
  // Service name from POWERTOOLS_SERVICE_NAME (infra sets it); metrics name theirs
  // in code, as the alarms read them whatever the environment says.
  const logger = new Logger();
  const metrics = new Metrics({ namespace: METRICS_NAMESPACE, serviceName: SERVICES.poller });
  const config = loadConfig(process.env);
  // The key comes from Secrets Manager when MAILPARTNER_API_KEY_SECRET is set (see api-key.ts).
  const runtime = createRuntime(config, { apiKey: () => loadApiKey() });
  return {
    syncDeps: () => runtime.syncDeps({ log: logger }),
    concurrency: config.concurrency,
    budgetPerMinute: config.budgetPerMinute,
    logger,
    metrics,
  };
}

export const handler = createHandler(defaultDeps());
