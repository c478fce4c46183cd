/**
 * Fan-out dispatcher: once a minute, finds due messages (at most the provider
 * budget) and enqueues them for the workers (runtime/dispatch-once.ts). Does
 * not talk to MailPartner.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy from '@middy/core';
import { type DispatcherDeps, dispatchOnce, workQueueFromEnv } from '../runtime/dispatch-once.ts';
import { functionMetrics } from '../runtime/function-metrics.ts';
import { lazyHandler } from '../runtime/lazy-handler.ts';
import { createRuntime } from '../runtime/runtime.ts';
import { SERVICES } from '../shared/catalog/telemetry.ts';
import { loadConfig } from '../shared/config.ts';

export function createDispatcherHandler(deps: DispatcherDeps) {
  return middy(() => dispatchOnce(deps))
    .use(injectLambdaContext(deps.logger))
    .use(logMetrics(deps.metrics));
}

function defaultDeps(): DispatcherDeps {
  const config = loadConfig(process.env);
  return {
    store: createRuntime(config).store,
    queue: workQueueFromEnv(config, process.env),
    budgetPerMinute: config.budgetPerMinute,
    clock: () => new Date(),
    logger: new Logger(),
    metrics: functionMetrics(SERVICES.dispatcher),
  };
}

export const handler = lazyHandler(() => createDispatcherHandler(defaultDeps()));
