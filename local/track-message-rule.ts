/**
 * The deployed stack's TrackMessage rule, on the local bus: an event with the
 * client source and detail-type `TrackMessage` starts tracking through the same
 * validation (`parseTrackMessage`) and use case (`trackMessage`) as the
 * track-message function.
 */
import type { EventBridgeEvent } from 'aws-lambda';
import { parseTrackMessage } from '../runtime/track-request.ts';
import { TRACK_MESSAGE_DETAIL_TYPE } from '../shared/catalog/track-message.ts';
import type { SyncDeps } from '../shared/ports.ts';
import { type TrackOutcome, trackMessage } from '../shared/sync/track-message.ts';
import type { LocalRule } from './bus-rules.ts';
import { compileEventPattern } from './event-pattern.ts';

/**
 * The construct's default `trackMessageSources` (infra's
 * DEFAULT_TRACK_MESSAGE_SOURCE; a test keeps the two equal). Not imported from
 * infra/, which would load the CDK into `npm start`.
 */
export const TRACK_MESSAGE_SOURCE = 'mailpartner.status-sync.client';

/** The rule's pattern, as the construct writes it. */
export const TRACK_MESSAGE_PATTERN = {
  source: [TRACK_MESSAGE_SOURCE],
  'detail-type': [TRACK_MESSAGE_DETAIL_TYPE],
};

/** A rule tracking each TrackMessage event; `onTracked` hears of each result. */
export function trackMessageRule(
  deps: Pick<SyncDeps, 'store' | 'publisher' | 'clock'> & { readonly commercialHold: boolean },
  onTracked: (result: TrackOutcome) => void,
): LocalRule {
  return {
    name: 'TrackMessage',
    matches: compileEventPattern(TRACK_MESSAGE_PATTERN),
    async target(event) {
      const request = parseTrackMessage(event as unknown as EventBridgeEvent<string, unknown>);
      const sendAt =
        'sendAt' in request && typeof request.sendAt === 'string' ? request.sendAt : null;
      const requestedAt = Date.parse(event.time);
      // The options the track-message function passes, so both track alike.
      const result = await trackMessage(
        deps,
        request.messageId,
        request.metadata ?? {},
        deps.clock(),
        {
          sendAt: sendAt ? new Date(sendAt) : null,
          commercialHold: deps.commercialHold,
          ...(Number.isFinite(requestedAt) ? { requestedAt: new Date(requestedAt) } : {}),
        },
      );
      onTracked(result);
    },
  };
}
