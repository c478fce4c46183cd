/** Fan-out worker: syncs the FIFO queue's work items, one message each (runtime/work-item.ts). */
import { processPartialResponse, SqsFifoPartialProcessorAsync } from '@aws-lambda-powertools/batch';
import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy from '@middy/core';
import type { Context, SQSEvent } from 'aws-lambda';
import { loadApiKey } from '../runtime/api-key.ts';
import { functionMetrics } from '../runtime/function-metrics.ts';
import { lazyHandler } from '../runtime/lazy-handler.ts';
import { outcomeTally, syncMetrics } from '../runtime/middlewares/sync-metrics.ts';
import { createRuntime } from '../runtime/runtime.ts';
import { throttledSyncDeps, type WorkerDeps, workItemHandler } from '../runtime/work-item.ts';
import { SERVICES } from '../shared/catalog/telemetry.ts';
import { loadConfig } from '../shared/config.ts';

export function createWorkerHandler(deps: WorkerDeps) {
  const tally = outcomeTally();
  const { logger, metrics } = deps;
  const record = workItemHandler(deps, tally.add);
  const work = (event: SQSEvent, context: Context) =>
    // Group = messageId: a failure holds back only that message.
    processPartialResponse(event, record, new SqsFifoPartialProcessorAsync(), {
      context,
      skipGroupOnError: true,
      throwOnFullBatchFailure: false,
    });
  const handler = middy(work).use(injectLambdaContext(logger));
  return (metrics ? handler.use(logMetrics(metrics)) : handler).use(
    syncMetrics({ metrics, figures: tally.take }),
  );
}

function defaultDeps(): WorkerDeps {
  const logger = new Logger();
  const config = loadConfig(process.env);
  const runtime = createRuntime(config, { apiKey: () => loadApiKey() });
  const metrics = functionMetrics(SERVICES.worker);
  return { syncDeps: throttledSyncDeps(runtime, config, logger), logger, metrics };
}

export const handler = lazyHandler(() => createWorkerHandler(defaultDeps()));
