import { describe, expect, it } from 'vitest';
import { parseCatalogEvent } from '../../../shared/catalog/events.ts';
import type { TrackedMessage } from '../../../shared/domain/tracked-message.ts';
import {
  messageNotFound,
  statusSnapshot,
  trackingCompleted,
  trackingExpired,
  trackingStarted,
} from '../../../shared/lifecycle/message-events.ts';
import type { RecipientState } from '../../../shared/model.ts';

const message: TrackedMessage = {
  messageId: 'm-1',
  metadata: { tenant: 't' },
  trackedAt: '2026-11-27T09:00:00.000Z',
  nextPollAt: '2026-11-27T09:00:00.000Z',
  lastPolledAt: null,
  active: true,
  state: 'active',
  sendAt: null,
  expectedSendAt: '2026-11-27T09:00:00.000Z',
  sendReason: 'now',
  endedAt: null,
};
const NOW = new Date('2026-11-27T12:00:00Z');
const r = (i: number, status = 'Delivered'): RecipientState => ({
  email: `u${String(i).padStart(4, '0')}@x.fr`,
  token: `t${i}`,
  status,
  stopMail: false,
  cost: 1,
  statusAt: '2026-11-27T09:01:00.000Z',
  sequence: 1,
  lastEventId: `e${i}`,
});

describe('message-level events', () => {
  it('validate against the catalog and carry the metadata', () => {
    const recipients = [r(1), r(2, 'Waiting')];
    const events = [
      trackingStarted(message),
      trackingCompleted(message, recipients, NOW),
      trackingExpired(message, recipients, [r(2, 'Waiting')], NOW),
      messageNotFound(message, NOW),
      ...statusSnapshot(message, recipients, NOW),
    ];
    for (const e of events) {
      expect(() => parseCatalogEvent(e.detailType, e.detail)).not.toThrow();
      expect(e.detail.metadata).toEqual({ tenant: 't' });
    }
  });

  it('have stable ids: the same occurrence twice gives the same id, different ones differ', () => {
    expect(trackingStarted(message).detail.eventId).toBe(trackingStarted(message).detail.eventId);
    const retracked = { ...message, trackedAt: '2026-11-28T09:00:00.000Z' };
    expect(trackingStarted(retracked).detail.eventId).not.toBe(
      trackingStarted(message).detail.eventId,
    );
    expect(trackingCompleted(message, [], NOW).detail.eventId).not.toBe(
      messageNotFound(message, NOW).detail.eventId,
    );
  });

  it('cap the pending list of an expiry and say how many there are', () => {
    const pending = Array.from({ length: 1000 }, (_, i) => r(i, 'Waiting'));
    const e = trackingExpired(message, pending, pending, NOW);
    expect(e.detailType === 'MessageTrackingExpired' && e.detail.pending).toHaveLength(200);
    expect(e.detail).toMatchObject({ pendingCount: 1000, recipients: 1000 });
  });

  it('split a large snapshot into parts of 500 with distinct ids', () => {
    const recipients = Array.from({ length: 1_201 }, (_, i) => r(i));
    const parts = statusSnapshot(message, recipients, NOW);
    expect(
      parts.map((p) => p.detailType === 'MessageStatusSnapshot' && p.detail.recipients.length),
    ).toEqual([500, 500, 201]);
    expect(new Set(parts.map((p) => p.detail.eventId)).size).toBe(3);
    expect(parts.every((p) => 'parts' in p.detail && p.detail.parts === 3)).toBe(true);
  });

  it('counts how long the provider did not know the message', () => {
    const e = messageNotFound(message, NOW);
    expect(e.detail).toMatchObject({ gaveUpAfterMs: 3 * 3_600_000 });
  });
});
