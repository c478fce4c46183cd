/**
 * Starting to track a message: the META item and its MessageTrackingStarted
 * event are written together, then the event is published. If publishing
 * fails, the first sync cycle publishes it from the outbox.
 *
 * The send plan comes first: a scheduled time (`sendAt`) or the tracking time,
 * moved by the provider's commercial hold when it applies, so that the
 * lifecycle counts from when the mail actually leaves.
 */
import { planSend } from '../calendar/commercial-hold.ts';
import { trackingStarted } from '../lifecycle/message-events.ts';
import type { Metadata } from '../model.ts';
import type { SyncDeps, TrackResult } from '../ports.ts';
import { flush } from './flush.ts';

export interface TrackOutcome extends TrackResult {
  /** Whether MessageTrackingStarted reached the bus now (else the next cycle sends it). */
  readonly announced: boolean;
}

export interface TrackRequestOptions {
  /** Scheduled send time (`scheduledDeliveryDate`/`time`/`minute` on `/v1/send`). */
  readonly sendAt?: Date | null;
  /**
   * Whether the provider's commercial hold applies to this account. Every entry
   * point passes the deployment's setting (`Config.commercialHold`, on unless
   * `MAILPARTNER_COMMERCIAL_HOLD=false`); without it, no hold is assumed.
   */
  readonly commercialHold?: boolean;
  /** When the request was made (a TrackMessage event's time); default `now`. */
  readonly requestedAt?: Date;
}

export async function trackMessage(
  deps: Pick<SyncDeps, 'store' | 'publisher'>,
  messageId: string,
  metadata: Metadata,
  now: Date,
  options: TrackRequestOptions = {},
): Promise<TrackOutcome> {
  const send = planSend({
    trackedAt: now,
    sendAt: options.sendAt ?? null,
    commercialHold: options.commercialHold ?? false,
  });
  const result = await deps.store.track(messageId, metadata, now, trackingStarted, {
    send,
    ...(options.requestedAt ? { requestedAt: options.requestedAt } : {}),
  });
  if (!result.created) return { ...result, announced: false };
  const loaded = await deps.store.load(messageId);
  if (!loaded) return { ...result, announced: false };
  try {
    const out = await flush(deps, loaded);
    return { ...result, announced: out.pending === 0 };
  } catch {
    // Tracking is recorded; the announcement waits in the outbox for the next cycle.
    return { ...result, announced: false };
  }
}
