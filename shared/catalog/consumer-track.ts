/**
 * What a backend sends to start tracking a message: the PutEvents entry of a
 * `TrackMessage` event, built and checked against the same schema the
 * track-message function applies, so a bad messageId or sendAt fails in the
 * sender's process instead of landing in the rejects queue.
 */
import {
  DEFAULT_TRACK_MESSAGE_SOURCE,
  TRACK_MESSAGE_DETAIL_TYPE,
  type TrackMessageDetail,
  trackMessageDetail,
} from './track-message.ts';

/** Input of {@link trackMessageEntry}. */
export interface TrackMessageEntryInput extends TrackMessageDetail {
  /** Name or ARN of the construct's bus (`sync.eventBus.eventBusName`, the stack output EventBusName). */
  readonly eventBusName: string;
  /**
   * `source` of the entry; must be one of the construct's `trackMessageSources`.
   * Default `mailpartner.status-sync.client`.
   */
  readonly source?: string;
}

/** A PutEvents request entry (the shape of the SDK's `PutEventsRequestEntry`). */
export interface TrackMessageEntry {
  readonly Source: string;
  readonly DetailType: typeof TRACK_MESSAGE_DETAIL_TYPE;
  readonly Detail: string;
  readonly EventBusName: string;
}

/**
 * The PutEvents entry that starts tracking `messageId`:
 * `new PutEventsCommand({ Entries: [trackMessageEntry({ messageId, eventBusName })] })`.
 * Throws a zod error naming the field when the detail is not valid.
 */
export function trackMessageEntry(input: TrackMessageEntryInput): TrackMessageEntry {
  const { eventBusName, source, ...detail } = input;
  if (typeof eventBusName !== 'string' || eventBusName === '') {
    throw new Error('trackMessageEntry: eventBusName is required (the bus the construct reads)');
  }
  return {
    Source: source ?? DEFAULT_TRACK_MESSAGE_SOURCE,
    DetailType: TRACK_MESSAGE_DETAIL_TYPE,
    Detail: JSON.stringify(trackMessageDetail.strict().parse(detail)),
    EventBusName: eventBusName,
  };
}
