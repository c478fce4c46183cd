/**
 * The `TrackMessage` rule target (runtime/track-request.ts). A bad event is a
 * logged rejection; after Lambda's retries it lands in the rejects queue.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy from '@middy/core';
import type { EventBridgeEvent } from 'aws-lambda';
import { functionMetrics } from '../runtime/function-metrics.ts';
import { createRuntime } from '../runtime/runtime.ts';
import {
  rejectTrackRequests,
  type TrackMessageDeps,
  trackRequest,
} from '../runtime/track-request.ts';
import { SERVICES } from '../shared/catalog/telemetry.ts';
import { loadConfig } from '../shared/config.ts';

// Re-exported so tests hold the handler to the catalog's contract.
export { TRACK_MESSAGE_DETAIL_TYPE } from '../shared/catalog/track-message.ts';

export function createHandler(deps: TrackMessageDeps) {
  return middy((event: EventBridgeEvent<string, unknown>) => trackRequest(deps, event))
    .use(injectLambdaContext(deps.logger))
    .use(logMetrics(deps.metrics))
    .use(rejectTrackRequests(deps));
}

function defaultDeps(): TrackMessageDeps {
  const runtime = createRuntime(loadConfig(process.env));
  return {
    sync: runtime,
    clock: () => new Date(),
    commercialHold: runtime.config.commercialHold,
    logger: new Logger(),
    metrics: functionMetrics(SERVICES.trackMessage),
  };
}

export const handler = createHandler(defaultDeps());
