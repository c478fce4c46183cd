import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { parseCatalogEvent, type RecipientEvent } from '../../../shared/catalog/events.ts';
import { type DiffContext, diffRecipients } from '../../../shared/diff/diff.ts';
import { InvalidObservationTimeError, ReplyMismatchError } from '../../../shared/diff/errors.ts';
import { eventIdFor, type TransitionKey, transitionText } from '../../../shared/diff/event-id.ts';
import {
  type BulkStatus,
  type RecipientReport,
  type RecipientState,
  recipientKey,
} from '../../../shared/model.ts';

const MESSAGE_ID = 'msg-1';
const T0 = new Date('2024-05-01T10:00:00.000Z');
const T1 = new Date('2024-05-01T10:05:00.000Z');
const UUID_V8 = /^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

function report(overrides: Partial<RecipientReport> = {}): RecipientReport {
  return {
    email: 'ann@example.com',
    token: 'tok-1',
    status: 'Waiting',
    cost: 1,
    stopMail: false,
    statusAt: '2024-05-01T09:59:00.000Z',
    ...overrides,
  };
}

function reply(...recipients: RecipientReport[]): BulkStatus {
  return { messageId: MESSAGE_ID, recipients };
}

function ctx(
  observedAt: Date = T0,
  metadata: Record<string, string> = { campaign: 'spring' },
): DiffContext {
  return { messageId: MESSAGE_ID, metadata, observedAt };
}

/** Diffs `first` from nothing and returns the resulting state map. */
function stateAfter(...first: RecipientReport[]): Map<string, RecipientState> {
  return new Map(diffRecipients(new Map(), reply(...first), ctx()).changed);
}

function summary(events: readonly RecipientEvent[]) {
  return events.map((e) => ({
    detailType: e.detailType,
    sequence: e.detail.sequence,
    previousStatus: e.detail.previousStatus,
    status: e.detail.status,
    stopMail: e.detail.stopMail,
  }));
}

describe('diffRecipients', () => {
  describe('first sight of a recipient', () => {
    it('emits one event classified from its status, sequence 1, no previous status', () => {
      const { events, changed } = diffRecipients(
        new Map(),
        reply(report({ status: 'Delivered' })),
        ctx(),
      );
      expect(summary(events)).toEqual([
        {
          detailType: 'RecipientDelivered',
          sequence: 1,
          previousStatus: null,
          status: 'Delivered',
          stopMail: false,
        },
      ]);
      expect([...changed.keys()]).toEqual([recipientKey(report())]);
    });

    it('announces a waiting recipient as RecipientStatusChanged', () => {
      const { events } = diffRecipients(new Map(), reply(report({ status: 'Waiting' })), ctx());
      expect(events.map((e) => e.detailType)).toEqual(['RecipientStatusChanged']);
    });

    it('follows with RecipientUnsubscribed (sequence 2) when first seen with stopMail', () => {
      const { events, changed } = diffRecipients(
        new Map(),
        reply(report({ status: 'Delivered', stopMail: true })),
        ctx(),
      );
      expect(summary(events)).toEqual([
        {
          detailType: 'RecipientDelivered',
          sequence: 1,
          previousStatus: null,
          status: 'Delivered',
          stopMail: true,
        },
        {
          detailType: 'RecipientUnsubscribed',
          sequence: 2,
          previousStatus: 'Delivered',
          status: 'Delivered',
          stopMail: true,
        },
      ]);
      const state = changed.get(recipientKey(report()));
      expect(state?.sequence).toBe(2);
      expect(state?.lastEventId).toBe(events[1]?.detail.eventId);
    });

    it('fills every detail field and records the state the event describes', () => {
      const { events, changed } = diffRecipients(
        new Map(),
        reply(report({ status: 'Delivered', cost: 2.5 })),
        ctx(T1),
      );
      const [event] = events;
      expect(event?.detail).toEqual({
        eventId: expect.stringMatching(UUID_V8),
        messageId: MESSAGE_ID,
        email: 'ann@example.com',
        token: 'tok-1',
        status: 'Delivered',
        previousStatus: null,
        cost: 2.5,
        stopMail: false,
        statusAt: '2024-05-01T09:59:00.000Z',
        observedAt: '2024-05-01T10:05:00.000Z',
        sequence: 1,
        metadata: { campaign: 'spring' },
      });
      expect(changed.get(recipientKey(report()))).toEqual({
        email: 'ann@example.com',
        token: 'tok-1',
        status: 'Delivered',
        stopMail: false,
        cost: 2.5,
        statusAt: '2024-05-01T09:59:00.000Z',
        sequence: 1,
        lastEventId: event?.detail.eventId,
      });
    });
  });

  describe('status changes', () => {
    it('emits one event classified from the new status, continuing the sequence', () => {
      const previous = stateAfter(report({ status: 'Waiting' }));
      const { events, changed } = diffRecipients(
        previous,
        reply(report({ status: 'Not delivered' })),
        ctx(T1),
      );
      expect(summary(events)).toEqual([
        {
          detailType: 'RecipientNotDelivered',
          sequence: 2,
          previousStatus: 'Waiting',
          status: 'Not delivered',
          stopMail: false,
        },
      ]);
      expect(changed.get(recipientKey(report()))?.status).toBe('Not delivered');
    });

    it.each(['Opened', 'Clicked', 'Bounced', 'Pending', 'Something new'])(
      'classifies a change to %j like classifyStatus does',
      (status) => {
        const previous = stateAfter(report({ status: 'Delivered' }));
        const { events } = diffRecipients(previous, reply(report({ status })), ctx(T1));
        expect(events).toHaveLength(1);
        expect(events[0]?.detail.status).toBe(status);
      },
    );

    it('ignores a difference of case or spacing only, keeping the stored raw status', () => {
      const previous = stateAfter(report({ status: 'Not delivered' }));
      for (const status of ['NOT_DELIVERED', ' not-delivered ', 'not delivered']) {
        const { events, changed } = diffRecipients(previous, reply(report({ status })), ctx(T1));
        expect(events).toEqual([]);
        expect(changed.size).toBe(0);
      }
    });

    it('tells A → B → A apart: three events, three ids', () => {
      let state = stateAfter(report({ status: 'Waiting' }));
      const ids = [...state.values()].map((s) => s.lastEventId);
      for (const status of ['Delivered', 'Waiting']) {
        const { events, changed } = diffRecipients(state, reply(report({ status })), ctx(T1));
        ids.push(...events.map((e) => e.detail.eventId));
        state = new Map([...state, ...changed]);
      }
      expect(new Set(ids).size).toBe(3);
    });
  });

  describe('stopMail', () => {
    it('false → true emits RecipientUnsubscribed carrying the current status', () => {
      const previous = stateAfter(report({ status: 'Delivered' }));
      const { events, changed } = diffRecipients(
        previous,
        reply(report({ status: 'Delivered', stopMail: true })),
        ctx(T1),
      );
      expect(summary(events)).toEqual([
        {
          detailType: 'RecipientUnsubscribed',
          sequence: 2,
          previousStatus: 'Delivered',
          status: 'Delivered',
          stopMail: true,
        },
      ]);
      expect(changed.get(recipientKey(report()))?.stopMail).toBe(true);
    });

    it('emits the status event first, then RecipientUnsubscribed, when both change at once', () => {
      const previous = stateAfter(report({ status: 'Waiting' }));
      const { events } = diffRecipients(
        previous,
        reply(report({ status: 'Delivered', stopMail: true })),
        ctx(T1),
      );
      expect(summary(events)).toEqual([
        {
          detailType: 'RecipientDelivered',
          sequence: 2,
          previousStatus: 'Waiting',
          status: 'Delivered',
          stopMail: true,
        },
        {
          detailType: 'RecipientUnsubscribed',
          sequence: 3,
          previousStatus: 'Delivered',
          status: 'Delivered',
          stopMail: true,
        },
      ]);
    });

    it('keeps the stored raw status on an unsubscribe whose status differs only in case', () => {
      const previous = stateAfter(report({ status: 'Delivered' }));
      const { events, changed } = diffRecipients(
        previous,
        reply(report({ status: 'DELIVERED', stopMail: true })),
        ctx(T1),
      );
      expect(summary(events)).toEqual([
        {
          detailType: 'RecipientUnsubscribed',
          sequence: 2,
          previousStatus: 'Delivered',
          status: 'Delivered',
          stopMail: true,
        },
      ]);
      expect(changed.get(recipientKey(report()))?.status).toBe('Delivered');
    });

    it('true → false (taken off the unsubscribe list) emits RecipientStatusChanged with stopMail false', () => {
      const previous = stateAfter(report({ status: 'Delivered', stopMail: true }));
      const { events, changed } = diffRecipients(
        previous,
        reply(report({ status: 'Delivered', stopMail: false })),
        ctx(T1),
      );
      expect(summary(events)).toEqual([
        {
          detailType: 'RecipientStatusChanged',
          sequence: 3,
          previousStatus: 'Delivered',
          status: 'Delivered',
          stopMail: false,
        },
      ]);
      expect(changed.get(recipientKey(report()))?.stopMail).toBe(false);
    });

    it('true → false with a status change still gives the flip an event of its own', () => {
      const previous = stateAfter(report({ status: 'Delivered', stopMail: true }));
      const { events } = diffRecipients(
        previous,
        reply(report({ status: 'Opened', stopMail: false })),
        ctx(T1),
      );
      expect(summary(events)).toEqual([
        {
          detailType: 'RecipientOpened',
          sequence: 3,
          previousStatus: 'Delivered',
          status: 'Opened',
          stopMail: false,
        },
        {
          detailType: 'RecipientStatusChanged',
          sequence: 4,
          previousStatus: 'Opened',
          status: 'Opened',
          stopMail: false,
        },
      ]);
    });
  });

  describe('what is not a change', () => {
    it('a cost or date changing alone: no event, and the state keeps the old values', () => {
      const previous = stateAfter(report({ status: 'Delivered' }));
      const { events, changed } = diffRecipients(
        previous,
        reply(report({ status: 'Delivered', cost: 9, statusAt: '2024-05-02T00:00:00.000Z' })),
        ctx(T1),
      );
      expect(events).toEqual([]);
      expect(changed.size).toBe(0);
    });

    it('a reply identical to the last one: no event, nothing changed', () => {
      const rows = [report({ status: 'Delivered', stopMail: true }), report({ token: 'tok-2' })];
      const previous = stateAfter(...rows);
      const { events, changed } = diffRecipients(previous, reply(...rows), ctx(T1));
      expect(events).toEqual([]);
      expect(changed.size).toBe(0);
    });

    it('a recipient missing from the reply keeps its state and gets no event', () => {
      const previous = stateAfter(report(), report({ email: 'bob@example.com' }));
      const { events, changed } = diffRecipients(
        previous,
        reply(report({ status: 'Delivered' })),
        ctx(T1),
      );
      expect(events.map((e) => e.detail.email)).toEqual(['ann@example.com']);
      expect([...changed.keys()]).toEqual([recipientKey(report())]);
    });

    it('an empty reply changes nothing', () => {
      const previous = stateAfter(report());
      const { events, changed } = diffRecipients(previous, reply(), ctx(T1));
      expect(events).toEqual([]);
      expect(changed.size).toBe(0);
    });
  });

  describe('event details', () => {
    it('takes cost and statusAt of the reply when a change happens', () => {
      const previous = stateAfter(report({ status: 'Waiting', cost: null }));
      const { events, changed } = diffRecipients(
        previous,
        reply(report({ status: 'Delivered', cost: 3, statusAt: '2024-05-01T10:01:00.000Z' })),
        ctx(T1),
      );
      expect(events[0]?.detail).toMatchObject({ cost: 3, statusAt: '2024-05-01T10:01:00.000Z' });
      expect(changed.get(recipientKey(report()))).toMatchObject({
        cost: 3,
        statusAt: '2024-05-01T10:01:00.000Z',
      });
    });

    it('uses observedAt as statusAt when the provider gave no date', () => {
      const { events, changed } = diffRecipients(
        new Map(),
        reply(report({ statusAt: null })),
        ctx(T1),
      );
      expect(events[0]?.detail.statusAt).toBe(T1.toISOString());
      expect(changed.get(recipientKey(report()))?.statusAt).toBe(T1.toISOString());
    });

    it.each([
      ['not a date', 'garbage'],
      ['an impossible day', '2024-02-30T00:00:00Z'],
      ['without a time zone', '2024-05-01T10:00:00'],
      ['a date the catalog format cannot carry', '+275760-09-13T00:00:00.000Z'],
    ])('uses observedAt as statusAt when the provider date is %s', (_, statusAt) => {
      const { events } = diffRecipients(new Map(), reply(report({ statusAt })), ctx(T1));
      expect(events[0]?.detail.statusAt).toBe(T1.toISOString());
    });

    it('keeps a provider date the catalog accepts as it is', () => {
      const { events } = diffRecipients(
        new Map(),
        reply(report({ statusAt: '2024-05-01T12:00:00+02:00' })),
        ctx(T1),
      );
      expect(events[0]?.detail.statusAt).toBe('2024-05-01T12:00:00+02:00');
    });

    it('turns a cost that is not a finite number into null', () => {
      const { events } = diffRecipients(
        new Map(),
        reply(report({ cost: Number.NaN }), report({ token: 'tok-2', cost: Infinity })),
        ctx(),
      );
      expect(events.map((e) => e.detail.cost)).toEqual([null, null]);
    });

    it('echoes metadata, {} when none, unaffected by later mutation of the caller object', () => {
      const metadata: Record<string, string> = { campaign: 'spring' };
      const { events } = diffRecipients(new Map(), reply(report()), ctx(T0, metadata));
      metadata.campaign = 'autumn';
      expect(events[0]?.detail.metadata).toEqual({ campaign: 'spring' });
      const none = diffRecipients(new Map(), reply(report()), ctx(T0, {}));
      expect(none.events[0]?.detail.metadata).toEqual({});
    });

    it('produces details the catalog accepts, for every detail-type', () => {
      const previous = stateAfter(
        report({ token: 'a', status: 'Waiting' }),
        report({ token: 'b', status: 'Waiting' }),
        report({ token: 'c', status: 'Waiting', stopMail: true }),
      );
      const { events } = diffRecipients(
        previous,
        reply(
          report({ token: 'a', status: 'Delivered', stopMail: true }),
          report({ token: 'b', status: 'ko' }),
          report({ token: 'c', status: 'Opened', stopMail: false }),
          report({ token: 'd', status: 'Clicked', statusAt: null, cost: null }),
        ),
        ctx(T1),
      );
      expect(new Set(events.map((e) => e.detailType))).toEqual(
        new Set([
          'RecipientDelivered',
          'RecipientNotDelivered',
          'RecipientOpened',
          'RecipientClicked',
          'RecipientUnsubscribed',
          'RecipientStatusChanged',
        ]),
      );
      for (const event of events) {
        expect(parseCatalogEvent(event.detailType, event.detail)).toEqual(event);
      }
    });
  });

  describe('recipients of one reply', () => {
    it('keeps the reply order across recipients and sequence order within each', () => {
      const { events } = diffRecipients(
        new Map(),
        reply(
          report({ email: 'z@example.com', stopMail: true }),
          report({ email: 'a@example.com' }),
        ),
        ctx(),
      );
      expect(events.map((e) => [e.detail.email, e.detail.sequence])).toEqual([
        ['z@example.com', 1],
        ['z@example.com', 2],
        ['a@example.com', 1],
      ]);
    });

    it('treats the same address with two tokens as two recipients', () => {
      const { events, changed } = diffRecipients(
        new Map(),
        reply(report({ token: 'x' }), report({ token: 'y' })),
        ctx(),
      );
      expect(events).toHaveLength(2);
      expect(changed.size).toBe(2);
    });

    it('merges a recipient listed twice (here the later, more advanced row wins), so a repeated reply is quiet', () => {
      const rows = reply(report({ status: 'Waiting' }), report({ status: 'Delivered' }));
      const first = diffRecipients(new Map(), rows, ctx());
      expect(summary(first.events)).toEqual([
        {
          detailType: 'RecipientDelivered',
          sequence: 1,
          previousStatus: null,
          status: 'Delivered',
          stopMail: false,
        },
      ]);
      const again = diffRecipients(first.changed, rows, ctx(T1));
      expect(again.events).toEqual([]);
    });

    it('never loses an unsubscribe nor goes backwards over duplicate rows (issue 16 finding 10)', () => {
      const rows = reply(
        report({ status: 'Delivered', stopMail: true }),
        report({ status: 'Waiting', stopMail: false }),
      );
      const first = diffRecipients(new Map(), rows, ctx());
      expect(summary(first.events)).toEqual([
        {
          detailType: 'RecipientDelivered',
          sequence: 1,
          previousStatus: null,
          status: 'Delivered',
          stopMail: true,
        },
        {
          detailType: 'RecipientUnsubscribed',
          sequence: 2,
          previousStatus: 'Delivered',
          status: 'Delivered',
          stopMail: true,
        },
      ]);
      expect(diffRecipients(first.changed, rows, ctx(T1)).events).toEqual([]);
    });
  });

  describe('eventId', () => {
    it('is a UUID-shaped string, version 8, RFC variant', () => {
      const { events } = diffRecipients(new Map(), reply(report({ stopMail: true })), ctx());
      for (const event of events) expect(event.detail.eventId).toMatch(UUID_V8);
    });

    it('is the same when the same diff is run again, whatever the observation time', () => {
      const previous = stateAfter(report({ status: 'Waiting' }));
      const next = reply(report({ status: 'Delivered', stopMail: true, cost: 4 }));
      const a = diffRecipients(previous, next, ctx(T0));
      const b = diffRecipients(previous, next, ctx(T1));
      expect(b.events.map((e) => e.detail.eventId)).toEqual(a.events.map((e) => e.detail.eventId));
    });

    it('differs between messages for the same recipient and transition', () => {
      const a = diffRecipients(new Map(), reply(report()), ctx());
      const b = diffRecipients(
        new Map(),
        { messageId: 'msg-2', recipients: [report()] },
        { ...ctx(), messageId: 'msg-2' },
      );
      expect(a.events[0]?.detail.eventId).not.toBe(b.events[0]?.detail.eventId);
    });

    it('separates its fields unambiguously', () => {
      const base: TransitionKey = {
        messageId: 'm1',
        recipientKey: 'x',
        sequence: 1,
        detailType: 'RecipientStatusChanged',
        previousStatus: null,
        status: 'Waiting',
        stopMail: false,
      };
      const ids = [
        base,
        { ...base, messageId: 'm', recipientKey: '1x' },
        { ...base, previousStatus: 'null' },
        { ...base, previousStatus: '' },
        { ...base, sequence: 2 },
        { ...base, stopMail: true },
        { ...base, detailType: 'RecipientUnsubscribed' as const },
        { ...base, status: 'waiting' },
      ].map(eventIdFor);
      expect(new Set(ids).size).toBe(ids.length);
      expect(eventIdFor({ ...base })).toBe(ids[0]);
    });

    it('keeps statuses apart that UTF-8 would merge (lone surrogates)', () => {
      const base: TransitionKey = {
        messageId: 'm1',
        recipientKey: 'x',
        sequence: 1,
        detailType: 'RecipientStatusChanged',
        previousStatus: null,
        status: '\ud800',
        stopMail: false,
      };
      const ids = ['\ud800', '\ud801', '\ufffd', '"\\ud800"'].map((status) =>
        eventIdFor({ ...base, status }),
      );
      expect(new Set(ids).size).toBe(ids.length);
    });

    it('is the SHA-256 of the transition text with the UUID version and variant bits set', () => {
      const key: TransitionKey = {
        messageId: 'msg-1',
        recipientKey: recipientKey(report()),
        sequence: 3,
        detailType: 'RecipientDelivered',
        previousStatus: 'Waiting',
        status: 'Delivered',
        stopMail: true,
      };
      const digest = createHash('sha256').update(transitionText(key)).digest();
      digest[6] = 0x80 | ((digest[6] as number) & 0x0f);
      digest[8] = 0x80 | ((digest[8] as number) & 0x3f);
      const hex = digest.toString('hex', 0, 16);
      expect(eventIdFor(key)).toBe(
        `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`,
      );
    });
  });

  describe('input checks', () => {
    it('refuses a reply about another message', () => {
      expect(() =>
        diffRecipients(new Map(), { messageId: 'other', recipients: [report()] }, ctx()),
      ).toThrow(ReplyMismatchError);
    });

    it('accepts a reply whose messageId the provider left empty', () => {
      const { events } = diffRecipients(
        new Map(),
        { messageId: '', recipients: [report()] },
        ctx(),
      );
      expect(events[0]?.detail.messageId).toBe(MESSAGE_ID);
    });

    it('refuses an invalid observation time', () => {
      expect(() => diffRecipients(new Map(), reply(report()), ctx(new Date(Number.NaN)))).toThrow(
        InvalidObservationTimeError,
      );
    });
  });

  describe('performance', () => {
    /** A state map that counts how the diff reads it. */
    class CountingMap<K, V> extends Map<K, V> {
      gets = 0;
      scans = 0;
      override get(key: K): V | undefined {
        this.gets += 1;
        return super.get(key);
      }
      override forEach(...args: Parameters<Map<K, V>['forEach']>): void {
        this.scans += 1;
        super.forEach(...args);
      }
      override entries(): MapIterator<[K, V]> {
        this.scans += 1;
        return super.entries();
      }
      override keys(): MapIterator<K> {
        this.scans += 1;
        return super.keys();
      }
      override values(): MapIterator<V> {
        this.scans += 1;
        return super.values();
      }
      override [Symbol.iterator](): MapIterator<[K, V]> {
        this.scans += 1;
        return super[Symbol.iterator]();
      }
    }

    const rows = Array.from({ length: 100_000 }, (_, i) =>
      report({ email: `r${i}@example.com`, status: i % 3 === 0 ? 'Delivered' : 'Waiting' }),
    );

    it('looks each recipient up once and never scans the previous states', () => {
      const first = diffRecipients(new Map(), { messageId: MESSAGE_ID, recipients: rows }, ctx());
      const previous = new CountingMap(first.changed);
      const changedRows = rows.map((r, i) => (i % 10 === 0 ? { ...r, status: 'Opened' } : r));
      const { events } = diffRecipients(
        previous,
        { messageId: MESSAGE_ID, recipients: changedRows },
        ctx(T1),
      );
      expect(events).toHaveLength(10_000);
      expect(previous.gets).toBe(rows.length);
      expect(previous.scans).toBe(0);
    });

    it('diffs 100,000 recipients, first sight and unchanged', () => {
      // Speed is measured by `npm run bench` (recipients per second), not asserted
      // here; linearity is guarded by the lookup counts above.
      const first = diffRecipients(new Map(), { messageId: MESSAGE_ID, recipients: rows }, ctx());
      expect(first.events).toHaveLength(rows.length);

      const sameRows = rows.map((r) => ({ ...r, status: r.status.toUpperCase() }));
      const quiet = diffRecipients(
        first.changed,
        { messageId: MESSAGE_ID, recipients: sameRows },
        ctx(T1),
      );
      expect(quiet.events).toHaveLength(0);
      expect(quiet.changed.size).toBe(0);
    });
  });
});
