/**
 * One valid detail of each detail-type, built by the product's own event
 * builders where it has them: the fixtures of the catalog's schema tests and
 * of the consumer catalog's tests.
 */
import type { DetailType, RecipientEventDetail } from '../../shared/catalog/events.ts';
import {
  messageNotFound,
  messagePollFailing,
  statusSnapshot,
  trackingCompleted,
  trackingExpired,
  trackingStarted,
} from '../../shared/lifecycle/message-events.ts';

export const RECIPIENT_DETAIL: RecipientEventDetail = {
  eventId: '0b6a2f9c-51f4-8d2e-9a43-6f0e1c2d3b4a',
  messageId: 'msg-1',
  email: 'ann@example.com',
  token: 'tok-1',
  status: 'Delivered',
  previousStatus: 'Waiting',
  cost: 1,
  stopMail: false,
  statusAt: '2024-05-01T09:59:00.000Z',
  observedAt: '2024-05-01T10:00:00.000Z',
  sequence: 2,
  metadata: { campaign: 'spring' },
};

export const MESSAGE = {
  messageId: 'msg-1',
  metadata: { campaign: 'spring' },
  trackedAt: '2024-05-01T09:00:00.000Z',
  nextPollAt: '2024-05-01T09:00:00.000Z',
  lastPolledAt: null,
  active: true,
  state: 'active' as const,
  sendAt: null,
  expectedSendAt: '2024-05-01T09:00:00.000Z',
  sendReason: 'now' as const,
  endedAt: null,
};

export const STATE = {
  email: 'ann@example.com',
  token: 'tok-1',
  status: 'Waiting',
  stopMail: false,
  cost: 1,
  statusAt: '2024-05-01T09:59:00.000Z',
  sequence: 1,
  lastEventId: 'e',
};

export const AT = new Date('2024-05-01T10:00:00.000Z');

const MESSAGE_EXAMPLES: Partial<Record<DetailType, () => { detail: object } | undefined>> = {
  MessageTrackingStarted: () => trackingStarted(MESSAGE),
  MessageTrackingCompleted: () => trackingCompleted(MESSAGE, [STATE], AT),
  MessageTrackingExpired: () => trackingExpired(MESSAGE, [STATE], [STATE], AT),
  MessageNotFound: () => messageNotFound(MESSAGE, AT),
  MessagePollFailing: () =>
    messagePollFailing(
      MESSAGE,
      { kind: 'transient', count: 5, since: '2024-05-01T09:30:00.000Z' },
      'TransientProviderError: HTTP 502',
      new Date('2024-05-01T10:16:00.000Z'),
      AT,
    ),
  MessageStatusSnapshot: () => statusSnapshot(MESSAGE, [STATE], AT)[0],
};

/** A valid detail of `detailType` (a fresh copy each call). */
export function exampleDetail(detailType: DetailType): Record<string, unknown> {
  const build = MESSAGE_EXAMPLES[detailType];
  return build ? { ...build()?.detail } : { ...RECIPIENT_DETAIL };
}
