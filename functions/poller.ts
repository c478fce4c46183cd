/**
 * The scheduled poller: 10 s ticks for most of each minute (runtime/poll-cycle.ts); the tick
 * state is module-level (warm invocations share it; a cold one assumes the budget was spent).
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import { loadApiKey } from '../runtime/api-key.ts';
import { functionMetrics } from '../runtime/function-metrics.ts';
import { syncMetrics } from '../runtime/middlewares/sync-metrics.ts';
import { type PollerDeps, pollCycle } from '../runtime/poll-cycle.ts';
import { createRuntime } from '../runtime/runtime.ts';
import { SERVICES } from '../shared/catalog/telemetry.ts';
import { loadConfig } from '../shared/config.ts';
import { pollerMinute } from '../shared/sync/poll-minute.ts';

export function createHandler(deps: PollerDeps) {
  return middy((_event: unknown, context: Context) => pollCycle(deps, context))
    .use(injectLambdaContext(deps.logger))
    .use(logMetrics(deps.metrics))
    .use(syncMetrics({ metrics: deps.metrics }));
}

function defaultDeps(): PollerDeps {
  // Logger service from POWERTOOLS_SERVICE_NAME; metrics name theirs (the alarms read it).
  const logger = new Logger();
  const config = loadConfig(process.env);
  // The key comes from Secrets Manager when MAILPARTNER_API_KEY_SECRET is set (see api-key.ts).
  const runtime = createRuntime(config, { apiKey: () => loadApiKey() });
  return {
    syncDeps: () => runtime.syncDeps({ log: logger }),
    concurrency: config.concurrency,
    budgetPerMinute: config.budgetPerMinute,
    minute: pollerMinute(config.pollRunSeconds, config.budgetPerMinute, sleep, Date.now()),
    logger,
    metrics: functionMetrics(SERVICES.poller),
  };
}

export const handler = createHandler(defaultDeps());
