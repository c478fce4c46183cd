import { describe, expect, it } from 'vitest';
import { recipientStateAt } from '../../../local/simulator/timeline.ts';
import { generateTraffic, MAX_REPORT_DELAY_MS } from '../../../local/simulator/traffic.ts';

const T0 = Date.UTC(2025, 0, 6, 9, 0, 0);
const HOUR = 3_600_000;
const ids = (n: number) => Array.from({ length: n }, (_, i) => String(1000 + i));

describe('generateTraffic', () => {
  it('is deterministic for a seed and differs for another seed', () => {
    const a = generateTraffic({ count: 20, seed: 11 }, ids(20), T0);
    const b = generateTraffic({ count: 20, seed: 11 }, ids(20), T0);
    const c = generateTraffic({ count: 20, seed: 12 }, ids(20), T0);
    expect(a).toEqual(b);
    expect(c).not.toEqual(a);
  });

  it('draws each message from its own stream: message i does not depend on the count', () => {
    const few = generateTraffic({ count: 3, seed: 4 }, ids(3), T0);
    const many = generateTraffic({ count: 50, seed: 4 }, ids(50), T0);
    expect(many.slice(0, 3)).toEqual(few);
  });

  it('honours the recipient count, fixed or in a range', () => {
    const fixed = generateTraffic({ count: 5, recipientsPerMessage: 7 }, ids(5), T0);
    expect(fixed.map((m) => m.recipients.length)).toEqual([7, 7, 7, 7, 7]);
    const ranged = generateTraffic(
      { count: 200, recipientsPerMessage: { min: 1, max: 3 } },
      ids(200),
      T0,
    );
    expect(new Set(ranged.map((m) => m.recipients.length))).toEqual(new Set([1, 2, 3]));
    expect(() =>
      generateTraffic({ count: 1, recipientsPerMessage: { min: 3, max: 1 } }, ids(1), T0),
    ).toThrow(RangeError);
  });

  it('sends at sentAt (or the default), spread over spreadMs, visible after notFoundForMs', () => {
    const [plain] = generateTraffic({ count: 1 }, ids(1), T0);
    expect(plain?.sentAt).toBe(T0);
    expect(plain?.visibleAt).toBe(T0);
    const spread = generateTraffic(
      { count: 100, sentAt: T0 + 5, spreadMs: 60_000, notFoundForMs: 30_000 },
      ids(100),
      0,
    );
    for (const m of spread) {
      expect(m.sentAt).toBeGreaterThanOrEqual(T0 + 5);
      expect(m.sentAt).toBeLessThan(T0 + 5 + 60_000);
      expect(m.visibleAt).toBe(m.sentAt + 30_000);
    }
    expect(new Set(spread.map((m) => m.sentAt)).size).toBeGreaterThan(90);
  });

  it('keeps email plus token unique within a message', () => {
    for (const m of generateTraffic({ count: 300, recipientsPerMessage: 20 }, ids(300), T0)) {
      const keys = m.recipients.map((r) => `${r.email}|${r.token}`);
      expect(new Set(keys).size).toBe(keys.length);
    }
  });

  describe('recipient timelines', () => {
    const messages = generateTraffic(
      { count: 400, seed: 2024, recipientsPerMessage: 5 },
      ids(400),
      T0,
    );
    const recipients = messages.flatMap((m) => m.recipients.map((r) => ({ m, r })));

    it('start Waiting at the send time and never go back in time', () => {
      for (const { m, r } of recipients) {
        expect(r.events[0]).toMatchObject({ atMs: m.sentAt, status: 'Waiting' });
        const times = r.events.map((e) => e.atMs);
        expect(times).toEqual([...times].sort((x, y) => x - y));
      }
    });

    it('get a delivery report within 48 h, mostly within seconds but with a long tail', () => {
      const reportDelays = recipients.map(({ m, r }) => (r.events[1]?.atMs ?? 0) - m.sentAt);
      expect(Math.max(...reportDelays)).toBeLessThanOrEqual(MAX_REPORT_DELAY_MS);
      const withinMinute = reportDelays.filter((d) => d < 60_000).length / reportDelays.length;
      expect(withinMinute).toBeGreaterThan(0.75);
      expect(reportDelays.some((d) => d > HOUR)).toBe(true);
      expect(reportDelays.some((d) => d > 12 * HOUR)).toBe(true);
    });

    it('mostly end delivered, with a few failures, opens, clicks, unsubscribes and unknown statuses', () => {
      const statuses = recipients.flatMap(({ r }) => r.events.flatMap((e) => e.status ?? []));
      const count = (s: string) => statuses.filter((x) => x === s).length;
      const total = recipients.length;
      expect(count('Delivered') / total).toBeGreaterThan(0.85);
      for (const rare of ['Not delivered', 'Bounced']) {
        expect(count(rare)).toBeGreaterThan(0);
        expect(count(rare) / total).toBeLessThan(0.08);
      }
      expect(count('Opened')).toBeGreaterThan(count('Clicked'));
      expect(count('Clicked')).toBeGreaterThan(0);
      expect(count('Deferred')).toBeGreaterThan(0);
      expect(count('SPAM_COMPLAINT')).toBeGreaterThan(0);
      const unsubscribed = recipients.filter(
        ({ r }) => recipientStateAt(r, T0 + 30 * 24 * HOUR)?.stopMail,
      );
      expect(unsubscribed.length).toBeGreaterThan(0);
      expect(unsubscribed.length / total).toBeLessThan(0.1);
    });

    it('never open or click a mail that was not delivered', () => {
      for (const { r } of recipients) {
        const statuses = r.events.flatMap((e) => e.status ?? []);
        if (statuses.includes('Opened')) {
          expect(statuses.indexOf('Delivered')).toBeLessThan(statuses.indexOf('Opened'));
        }
        if (statuses.includes('Clicked')) expect(statuses).toContain('Opened');
      }
    });
  });

  it('compresses every delay with timeScale', () => {
    const real = generateTraffic({ count: 50, seed: 9 }, ids(50), T0);
    const fast = generateTraffic({ count: 50, seed: 9, timeScale: 0.001 }, ids(50), T0);
    const lastEvent = (ms: typeof real) =>
      Math.max(...ms.flatMap((m) => m.recipients.flatMap((r) => r.events.map((e) => e.atMs))));
    expect(lastEvent(fast) - T0).toBeLessThan(15 * 60_000);
    expect(lastEvent(fast) - T0).toBeCloseTo((lastEvent(real) - T0) / 1000, -1);
    expect(fast[0]?.recipients.map((r) => r.events.map((e) => e.status))).toEqual(
      real[0]?.recipients.map((r) => r.events.map((e) => e.status)),
    );
  });
});
