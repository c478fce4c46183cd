/** Taking one person out of events and recipient state. */
import { describe, expect, it } from 'vitest';
import type { CatalogEvent } from '../../../shared/catalog/events.ts';
import type { RecipientState } from '../../../shared/model.ts';
import { stripEvent, stripState } from '../../../shared/privacy/strip.ts';

const isAnn = (email: string) => email.toLowerCase() === 'ann@x.fr';

const recipient = (email: string, eventId: string): CatalogEvent => ({
  detailType: 'RecipientDelivered',
  detail: {
    eventId,
    messageId: 'm',
    email,
    token: '',
    status: 'Delivered',
    previousStatus: null,
    cost: null,
    stopMail: false,
    statusAt: '2026-11-27T09:00:00.000Z',
    observedAt: '2026-11-27T09:00:00.000Z',
    sequence: 1,
    metadata: { owner: 'ann@x.fr' },
  },
});

const state = (email: string): RecipientState => ({
  email,
  token: '',
  status: 'Delivered',
  stopMail: false,
  cost: null,
  statusAt: '2026-11-27T09:00:00.000Z',
  sequence: 1,
  lastEventId: `e-${email}`,
});

describe('stripEvent', () => {
  it("drops the person's own event and keeps everyone else's untouched", () => {
    expect(stripEvent(recipient('Ann@x.fr', 'a'), isAnn)).toEqual({ event: null, changed: true });
    const bob = recipient('bob@x.fr', 'b');
    expect(stripEvent(bob, isAnn)).toEqual({ event: bob, changed: false });
  });

  it('removes the entry from a list and leaves metadata as attached', () => {
    const expired = {
      detailType: 'MessageTrackingExpired',
      detail: {
        messageId: 'm',
        metadata: { note: [{ email: 'ann@x.fr' }] },
        pending: [
          { email: 'ann@x.fr', token: '', status: 'Waiting' },
          { email: 'bob@x.fr', token: '', status: 'Waiting' },
        ],
      },
    } as unknown as CatalogEvent;
    const out = stripEvent(expired, isAnn);
    expect(out.changed).toBe(true);
    const detail = out.event?.detail as unknown as { pending: unknown[]; metadata: unknown };
    expect(detail.pending).toEqual([{ email: 'bob@x.fr', token: '', status: 'Waiting' }]);
    expect(detail.metadata).toEqual({
      note: [{ email: 'ann@x.fr' }],
    });
  });
});

describe('stripState', () => {
  it('removes the state and the outbox events of the person only', () => {
    const out = stripState(
      {
        recipients: [state('ann@x.fr'), state('bob@x.fr')],
        outbox: [recipient('ann@x.fr', 'a'), recipient('bob@x.fr', 'b')],
      },
      isAnn,
    );
    expect(out.recipients.map((r) => r.email)).toEqual(['bob@x.fr']);
    expect(out.outbox.map((e) => e.detail.eventId)).toEqual(['b']);
    expect(out).toMatchObject({ removedStates: 1, changedEvents: 1 });
  });
});
