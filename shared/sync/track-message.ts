/**
 * Starting to track a message: the META item and its MessageTrackingStarted
 * event are written together, then the event is published. If publishing
 * fails, the first sync cycle publishes it from the outbox.
 */
import { trackingStarted } from '../lifecycle/message-events.ts';
import type { Metadata } from '../model.ts';
import { flush } from './flush.ts';
import type { TrackResult } from './ports.ts';
import type { SyncDeps } from './sync-message.ts';

export interface TrackOutcome extends TrackResult {
  /** Whether MessageTrackingStarted reached the bus now (else the next cycle sends it). */
  readonly announced: boolean;
}

export async function trackMessage(
  deps: Pick<SyncDeps, 'store' | 'publisher'>,
  messageId: string,
  metadata: Metadata,
  now: Date,
): Promise<TrackOutcome> {
  const result = await deps.store.track(messageId, metadata, now, trackingStarted);
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
