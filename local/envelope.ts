/**
 * The envelope EventBridge hands a rule's target: what a consumer's Lambda
 * receives, so a handler run locally sees the same shape as in AWS.
 */
import type { ReceivedEvent } from './eventbridge-server.ts';

/** An event as a rule target receives it. */
export interface EventEnvelope {
  readonly version: '0';
  readonly id: string;
  readonly 'detail-type': string;
  readonly source: string;
  readonly account: string;
  /** ISO 8601 to the second, as EventBridge writes it. */
  readonly time: string;
  readonly region: string;
  readonly resources: readonly string[];
  readonly detail: Record<string, unknown>;
}

/** Local stand-ins for the account and region of the envelope. */
export interface EnvelopeOrigin {
  readonly account: string;
  readonly region: string;
}

/** Wraps an accepted entry as EventBridge delivers it. */
export function toEnvelope(event: ReceivedEvent, origin: EnvelopeOrigin): EventEnvelope {
  return {
    version: '0',
    id: event.eventId,
    'detail-type': event.detailType,
    source: event.source,
    account: origin.account,
    time: event.time.replace(/\.\d+Z$/, 'Z'),
    region: origin.region,
    resources: event.resources,
    detail: event.detail,
  };
}
