import { describe, expect, it } from 'vitest';
import { DelayHistogram } from '../../bench/delay-histogram.ts';
import { simulateSchedule } from '../../bench/schedule-sim.ts';
import { CompactTrafficBuilder } from '../../bench/schedule-traffic.ts';
import { buildTimeline, type SimRecipientTimeline } from '../../local/simulator/timeline.ts';
import { DEFAULT_POLICY } from '../../shared/lifecycle/policy.ts';

const T0 = Date.parse('2026-03-02T00:00:00Z');
const S = 1000;
const MIN = 60 * S;
const HOUR = 60 * MIN;

function traffic(...messages: { sentAt: number; recipients: SimRecipientTimeline[] }[]) {
  return new CompactTrafficBuilder()
    .add(messages.map((m, i) => buildTimeline(String(i + 1), m.recipients, { sentAt: m.sentAt })))
    .build();
}

function recipient(events: { at: number; status?: string; stopMail?: boolean }[]) {
  return {
    email: 'a@example.com',
    token: 't',
    events: events.map((e) => ({ atMs: e.at, status: e.status, stopMail: e.stopMail })),
  };
}

const adaptive = { kind: 'adaptive', policy: DEFAULT_POLICY } as const;

describe('simulateSchedule', () => {
  it('counts each change from its own time to the first poll at or after it', () => {
    // Sent at 00:00:10, delivered at 00:00:30: the 00:01 poll sees both (the
    // Waiting was overtaken, and still counts, seen by that poll).
    const sent = T0 + 10 * S;
    const result = simulateSchedule(
      traffic({
        sentAt: sent,
        recipients: [
          recipient([
            { at: sent, status: 'Waiting' },
            { at: T0 + 30 * S, status: 'Delivered' },
            { at: T0 + 20 * MIN, status: 'Opened' },
          ]),
        ],
      }),
      { strategy: adaptive, budgetPerMinute: 10, startMs: T0 },
    );
    expect(result.changes).toBe(3);
    expect(result.delays.count).toBe(3);
    expect(result.delays.quantile(0)).toBe(30);
    expect(result.delays.quantile(0.5)).toBe(50);
    // Settled after the 00:01 poll: polled every 15 min, so the 00:20 open waits for 00:31.
    expect(result.delays.max).toBe(11 * 60);
    // 00:01, 00:16, 00:31, then until 1 h after the open: 00:46, 01:01, 01:16, 01:31 (completed).
    expect(result.polls).toBe(7);
    expect(result.ended).toEqual({ completed: 1 });
    expect(result.missed).toBe(0);
  });

  it('counts changes after tracking ended as missed, apart from the delays', () => {
    const result = simulateSchedule(
      traffic({
        sentAt: T0,
        recipients: [
          recipient([
            { at: T0, status: 'Waiting' },
            { at: T0 + 5 * S, status: 'Delivered' },
            { at: T0 + 3 * HOUR, status: 'Opened' },
          ]),
        ],
      }),
      { strategy: adaptive, budgetPerMinute: 10, startMs: T0 },
    );
    expect(result.delays.count).toBe(2);
    expect(result.missed).toBe(1);
    expect(result.earlyMissed).toBe(0);
    expect(result.earlyChanges).toBe(2);
  });

  it('never polls more than the budget in a minute, oldest due first', () => {
    // Sent at 00:00:01 ... 00:00:50: all due at the 00:01 tick.
    const messages = Array.from({ length: 50 }, (_, i) => ({
      sentAt: T0 + (i + 1) * S,
      recipients: [recipient([{ at: T0 + (i + 1) * S, status: 'Waiting' }])],
    }));
    for (const strategy of [adaptive, { kind: 'round-robin', maxAgeMs: HOUR } as const]) {
      const result = simulateSchedule(traffic(...messages), {
        strategy,
        budgetPerMinute: 7,
        startMs: T0,
      });
      expect(result.peakPerMinute).toBe(7);
      expect(result.saturatedMinutes).toBeGreaterThan(0);
      expect(result.delays.count).toBe(50);
    }
    // Oldest due first: the first 7 sent are polled at 00:01 (the 7th waited 53 s);
    // re-polls never overtake a first poll, so the last one sent waits until 00:08.
    const result = simulateSchedule(traffic(...messages), {
      strategy: adaptive,
      budgetPerMinute: 7,
      startMs: T0,
    });
    expect(result.delays.quantile(0)).toBe(60 - 7);
    expect(result.delays.max).toBe(8 * 60 - 50);
  });

  it('polls round-robin until the window ends, each message once a minute at most', () => {
    const result = simulateSchedule(
      traffic({
        sentAt: T0,
        recipients: [
          recipient([
            { at: T0, status: 'Waiting' },
            { at: T0 + 90 * S, status: 'Delivered' },
            { at: T0 + 2 * HOUR, status: 'Opened' },
          ]),
        ],
      }),
      { strategy: { kind: 'round-robin', maxAgeMs: HOUR }, budgetPerMinute: 100, startMs: T0 },
    );
    // Polled at 00:00, 00:01, ..., 01:00 (the first poll at or past one hour is the last).
    expect(result.polls).toBe(61);
    expect(result.peakPerMinute).toBe(1);
    expect(result.delays.count).toBe(2);
    expect(result.delays.max).toBe(30);
    expect(result.missed).toBe(1);
    expect(result.ended).toEqual({ window: 1 });
  });
});

describe('CompactTrafficBuilder', () => {
  it('keeps only the events the diff would turn into events', () => {
    const built = traffic({
      sentAt: T0,
      recipients: [
        recipient([
          { at: T0, status: 'Waiting' },
          { at: T0 + S, status: 'Delivered' },
          { at: T0 + 2 * S, status: 'DELIVERED' }, // case only: no event
          { at: T0 + 3 * S, stopMail: true }, // unsubscribe: an event, status unchanged
        ]),
      ],
    });
    expect([...built.eventAt]).toEqual([T0, T0 + S, T0 + 3 * S]);
    expect([...built.eventStatus].map((i) => built.statuses[i])).toEqual([
      'Waiting',
      'Delivered',
      'Delivered',
    ]);
  });
});

describe('DelayHistogram', () => {
  it('rounds delays up to the second and counts unseen changes as infinitely late', () => {
    const h = new DelayHistogram();
    for (let i = 1; i <= 10; i++) h.add(i * 1000 - 500);
    expect(h.quantile(0.5)).toBe(5);
    expect(h.quantile(0.9)).toBe(9);
    expect(h.quantile(0.9, 1)).toBe(10);
    expect(h.quantile(0.95, 1)).toBe(Number.POSITIVE_INFINITY);
    expect(h.shareAtMost(5, 10)).toBe(0.25);
  });
});
