import { describe, expect, it } from 'vitest';
import {
  buildTimeline,
  changesBetween,
  defaultToken,
  messageStateAt,
  recipientStateAt,
  type SimRecipient,
  toWireRecipient,
} from '../../../local/simulator/timeline.ts';

const T0 = Date.UTC(2025, 0, 6, 9, 0, 0);

const message = buildTimeline('m1', [
  {
    email: 'a@example.com',
    token: 'ta',
    // Out of order on purpose: buildTimeline sorts.
    events: [
      { atMs: T0 + 5_000, status: 'Delivered' },
      { atMs: T0, status: 'Waiting', cost: 0.5 },
      { atMs: T0 + 60_000, stopMail: true },
    ],
  },
  { email: 'b@example.com', events: [{ atMs: T0 + 10_000, status: 'Bounced' }] },
]);

const [recipientA, recipientB] = message.recipients as [SimRecipient, SimRecipient];

describe('buildTimeline', () => {
  it('sorts events, settles tokens and takes the first event as send time', () => {
    expect(message.recipients[0]?.events.map((e) => e.atMs)).toEqual([T0, T0 + 5_000, T0 + 60_000]);
    expect(message.recipients[1]?.token).toBe(defaultToken('b@example.com'));
    expect(message.sentAt).toBe(T0);
    expect(message.visibleAt).toBe(Number.NEGATIVE_INFINITY);
  });

  it('derives the same token for the same email and different ones otherwise', () => {
    expect(defaultToken('x@example.com')).toBe(defaultToken('x@example.com'));
    expect(defaultToken('x@example.com')).not.toBe(defaultToken('y@example.com'));
  });
});

describe('recipientStateAt', () => {
  const a = recipientA;

  it('is null before the first event', () => {
    expect(recipientStateAt(a, T0 - 1)).toBeNull();
  });

  it('carries fields forward and dates the state by its latest event (inclusive)', () => {
    expect(recipientStateAt(a, T0)).toMatchObject({ status: 'Waiting', cost: 0.5, sinceMs: T0 });
    expect(recipientStateAt(a, T0 + 5_000)).toMatchObject({
      status: 'Delivered',
      cost: 0.5,
      stopMail: false,
      sinceMs: T0 + 5_000,
    });
    expect(recipientStateAt(a, T0 + 3_600_000)).toMatchObject({
      status: 'Delivered',
      stopMail: true,
      sinceMs: T0 + 60_000,
    });
  });

  it('defaults cost to 1 and stopMail to false when no event sets them', () => {
    expect(recipientStateAt(recipientB, T0 + 10_000)).toMatchObject({
      status: 'Bounced',
      cost: 1,
      stopMail: false,
    });
  });
});

describe('messageStateAt', () => {
  it('lists only recipients whose first event has happened', () => {
    const state = messageStateAt(message, T0 + 1_000);
    expect(state.found && state.recipients.map((r) => r.email)).toEqual(['a@example.com']);
  });

  it('is not found before visibleAt', () => {
    const hidden = buildTimeline('m2', message.recipients, { visibleAt: T0 + 30_000 });
    expect(messageStateAt(hidden, T0 + 29_999)).toEqual({ found: false });
    expect(messageStateAt(hidden, T0 + 30_000).found).toBe(true);
  });
});

describe('changesBetween', () => {
  it('reports exactly the recipients whose visible state changed', () => {
    const changes = changesBetween(message, T0 + 1_000, T0 + 20_000);
    expect(changes.map((c) => [c.before?.status ?? null, c.after.status])).toEqual([
      ['Waiting', 'Delivered'],
      [null, 'Bounced'],
    ]);
    expect(changesBetween(message, T0 + 20_000, T0 + 50_000)).toEqual([]);
  });

  it('ignores changes the wire cannot show (same second, same values)', () => {
    const sameSecond = buildTimeline('m3', [
      {
        email: 'c@example.com',
        events: [
          { atMs: T0 + 100, status: 'Waiting' },
          { atMs: T0 + 900, status: 'Waiting' },
        ],
      },
    ]);
    expect(changesBetween(sameSecond, T0 + 100, T0 + 900)).toEqual([]);
  });
});

describe('toWireRecipient', () => {
  it('writes the date as whole Unix seconds in a string', () => {
    const state = recipientStateAt(recipientA, T0 + 5_999);
    expect(state && toWireRecipient(state)).toEqual({
      email: 'a@example.com',
      token: 'ta',
      status: 'Delivered',
      cost: 0.5,
      stopMail: false,
      date: String(T0 / 1000 + 5),
    });
  });
});
