/**
 * The `TrackMessage` rule target: a backend that has just sent a message puts
 * `{ messageId, metadata? }` on the bus, and this function starts tracking it
 * (the same use case as `status-sync track`: the message and its
 * MessageTrackingStarted event are stored together, then the event is
 * published). Tracking is idempotent, so a retried or replayed event changes nothing.
 *
 * A bad event throws `TrackMessageRejectedError` naming what is wrong; after
 * Lambda's retries the event lands in the rejects queue, with that message in
 * its `ErrorMessage` attribute.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy from '@middy/core';
import type { EventBridgeEvent } from 'aws-lambda';
import { createRuntime } from '../runtime/runtime.ts';
import { addMetric, METRICS_NAMESPACE, SERVICES } from '../shared/catalog/telemetry.ts';
import {
  TRACK_MESSAGE_DETAIL_TYPE,
  type TrackMessageDetail,
  trackMessageDetail,
} from '../shared/catalog/track-message.ts';
import { loadConfig } from '../shared/config.ts';
import { StatusSyncError } from '../shared/errors.ts';
import type { SyncDeps } from '../shared/ports.ts';
import { InvalidTrackRequestError } from '../shared/store/errors.ts';
import { trackMessage } from '../shared/sync/track-message.ts';

// The contract lives in the catalog; re-exported for local/track-message-rule.ts.
export { TRACK_MESSAGE_DETAIL_TYPE };

/** The event can never be tracked as it is: fix the publisher, then put it again. */
export class TrackMessageRejectedError extends StatusSyncError {
  readonly kind = 'bad-request';

  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'TrackMessageRejectedError';
  }
}

export interface TrackMessageDeps {
  /** The store, and the publisher that announces MessageTrackingStarted. */
  readonly sync: Pick<SyncDeps, 'store' | 'publisher'>;
  readonly clock: () => Date;
  /** The account's commercial hold (`Config.commercialHold`); default true. */
  readonly commercialHold?: boolean;
  readonly logger: Logger;
  readonly metrics: Metrics;
}

export interface TrackMessageResult {
  readonly messageId: string;
  /** False when the message was already tracked (nothing changed). */
  readonly created: boolean;
  /** Whether MessageTrackingStarted reached the bus now (else the next poll sends it). */
  readonly announced: boolean;
  readonly trackedAt: string;
}

export function createHandler(deps: TrackMessageDeps) {
  const track = async (event: EventBridgeEvent<string, unknown>): Promise<TrackMessageResult> => {
    let request: TrackMessageDetail;
    try {
      request = parseTrackMessage(event);
      const requestedAt = Date.parse(event.time);
      const { created, announced, message } = await trackMessage(
        deps.sync,
        request.messageId,
        request.metadata ?? {},
        deps.clock(),
        {
          sendAt: request.sendAt ? new Date(request.sendAt) : null,
          commercialHold: deps.commercialHold ?? true,
          // A replayed or retried old request never restarts a message that ended after it.
          ...(Number.isFinite(requestedAt) ? { requestedAt: new Date(requestedAt) } : {}),
        },
      );
      addMetric(deps.metrics, 'MessagesTracked', created ? 1 : 0);
      deps.logger.info(created ? 'tracking started' : 'already tracked', {
        messageId: message.messageId,
        eventId: event.id,
        ...(created ? { announced } : {}),
      });
      return { messageId: message.messageId, created, announced, trackedAt: message.trackedAt };
    } catch (error) {
      const rejected = asRejection(event, error);
      if (!rejected) throw error;
      addMetric(deps.metrics, 'TrackRequestsRejected', 1);
      deps.logger.warn('TrackMessage rejected', { eventId: event.id, reason: rejected.message });
      throw rejected;
    }
  };
  return middy(track).use(injectLambdaContext(deps.logger)).use(logMetrics(deps.metrics));
}

/** @throws TrackMessageRejectedError naming every problem of the event. */
export function parseTrackMessage(event: EventBridgeEvent<string, unknown>): TrackMessageDetail {
  if (event['detail-type'] !== TRACK_MESSAGE_DETAIL_TYPE) {
    throw new TrackMessageRejectedError(
      `Event ${event.id} rejected: detail-type is "${event['detail-type']}", expected "${TRACK_MESSAGE_DETAIL_TYPE}"`,
    );
  }
  const parsed = trackMessageDetail.safeParse(event.detail);
  if (!parsed.success) {
    const problems = parsed.error.issues.map(
      (i) => `detail${i.path.map((p) => `.${String(p)}`).join('')}: ${i.message}`,
    );
    throw new TrackMessageRejectedError(
      `TrackMessage event ${event.id} rejected: ${problems.join('; ')}. Expected detail {"messageId": "<MailPartner messageId>", "metadata": {"<key>": "<string>"}, "sendAt": "<ISO 8601 with offset, optional>"}`,
    );
  }
  return parsed.data;
}

/** Errors that retrying the same event cannot fix, as the rejection to throw; null for the rest. */
function asRejection(
  event: EventBridgeEvent<string, unknown>,
  error: unknown,
): TrackMessageRejectedError | null {
  if (error instanceof TrackMessageRejectedError) return error;
  if (error instanceof InvalidTrackRequestError) {
    return new TrackMessageRejectedError(
      `TrackMessage event ${event.id} rejected: ${error.message}`,
      { cause: error },
    );
  }
  return null;
}

function defaultDeps(): TrackMessageDeps {
  const runtime = createRuntime(loadConfig(process.env));
  return {
    sync: runtime,
    clock: () => new Date(),
    commercialHold: runtime.config.commercialHold,
    logger: new Logger(),
    metrics: new Metrics({ namespace: METRICS_NAMESPACE, serviceName: SERVICES.trackMessage }),
  };
}

export const handler = createHandler(defaultDeps());
