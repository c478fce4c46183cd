/**
 * The TrackMessage use case as the function runs it: parse the event against
 * the catalog's contract, start tracking, and tell input no retry can fix
 * (`rejectionOf`, used by the handler's `rejectUnfixable` middleware) from the
 * failures a retry may fix.
 */
import type { Logger } from '@aws-lambda-powertools/logger';
import type { Metrics } from '@aws-lambda-powertools/metrics';
import type { EventBridgeEvent } from 'aws-lambda';
import { addMetric } from '../shared/catalog/telemetry.ts';
import {
  TRACK_MESSAGE_DETAIL_TYPE,
  type TrackMessageDetail,
  trackMessageDetail,
} from '../shared/catalog/track-message.ts';
import { StatusSyncError } from '../shared/errors.ts';
import type { SyncDeps } from '../shared/ports.ts';
import { InvalidTrackRequestError } from '../shared/store/errors.ts';
import { trackMessage } from '../shared/sync/track-message.ts';
import { type Rejection, rejectUnfixable } from './middlewares/reject-unfixable.ts';

type TrackEvent = EventBridgeEvent<string, unknown>;

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

/** Starts tracking the event's message (idempotent). @throws TrackMessageRejectedError */
export async function trackRequest(
  deps: TrackMessageDeps,
  event: TrackEvent,
): Promise<TrackMessageResult> {
  const request = parseTrackMessage(event);
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
}

/** @throws TrackMessageRejectedError naming every problem of the event. */
export function parseTrackMessage(event: TrackEvent): TrackMessageDetail {
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

/**
 * Errors that retrying the same event cannot fix, as the rejection to log and
 * throw (its message reaches the rejects queue); null for the rest.
 */
export function rejectionOf(error: unknown, event: unknown): Rejection | null {
  const { id } = event as TrackEvent;
  let rejected: TrackMessageRejectedError | null = null;
  if (error instanceof TrackMessageRejectedError) rejected = error;
  else if (error instanceof InvalidTrackRequestError) {
    rejected = new TrackMessageRejectedError(
      `TrackMessage event ${id} rejected: ${error.message}`,
      {
        cause: error,
      },
    );
  }
  return rejected && { fields: { eventId: id, reason: rejected.message }, error: rejected };
}

/** The handler's `rejectUnfixable`: logged as "TrackMessage rejected", counted, rethrown. */
export function rejectTrackRequests(deps: Pick<TrackMessageDeps, 'logger' | 'metrics'>) {
  return rejectUnfixable({
    logger: deps.logger,
    message: 'TrackMessage rejected',
    rejection: rejectionOf,
    count: { metrics: deps.metrics, name: 'TrackRequestsRejected' },
  });
}
