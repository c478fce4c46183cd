/**
 * Issue 16 finding 2 and the poison-message rule, through the real client,
 * store (dynalite) and publisher (local EventBridge) on loopback: a message
 * that fails (a 429 for it alone, a reply that keeps breaking) is rescheduled
 * whatever went wrong, backs off while it keeps failing the same way, is
 * reported once as a poison message, and never stops the others.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCycle } from '../../shared/sync/sync-cycle.ts';
import { trackMessage } from '../../shared/sync/track-message.ts';
import { type Harness, startHarness } from '../support/harness.ts';

const MINUTE = 60_000;
let h: Harness;
beforeAll(async () => {
  h = await startHarness({ tableName: 'attack-starvation' });
});
afterAll(async () => {
  await h?.close();
});

async function clearDue(): Promise<void> {
  for (const m of await h.store.listDue(new Date(8.64e15), { force: true })) {
    await h.store.untrack(m.messageId);
    await h.store.retire(m.messageId);
  }
}

const eventsOf = (id: string) => h.bus.events.filter((e) => e.detail.messageId === id);

describe('finding 2: one message answered with 429 does not starve the others', () => {
  it('12 healthy messages all get their events within 4 cycles', async () => {
    await clearDue();
    const t0 = h.now;
    // The rate-limited message is tracked first, so it is the oldest due.
    h.simulator.script('limited', [{ kind: 'code', code: 429, message: 'Too many requests' }]);
    await trackMessage(h, 'limited', {}, new Date(t0 - MINUTE));
    const healthy = Array.from({ length: 12 }, (_, i) => `healthy-${i}`);
    for (const id of healthy) {
      h.simulator.addMessage(id, [
        { email: `${id}@exemple.fr`, events: [{ atMs: t0, status: 'Delivered' }] },
      ]);
      await trackMessage(h, id, {}, new Date(t0));
    }

    for (let cycle = 0; cycle < 4; cycle++) {
      await runCycle(h.deps(), { concurrency: 1 });
      h.now += MINUTE;
    }

    for (const id of healthy) {
      expect(
        eventsOf(id).map((e) => e.detailType),
        id,
      ).toContain('RecipientDelivered');
    }
    const limited = (await h.store.load('limited'))?.message;
    expect(limited?.failure).toMatchObject({ kind: 'rate-limited' });
    expect(Date.parse(String(limited?.nextPollAt))).toBeGreaterThan(h.now - MINUTE);
  });
});

describe('poison messages', () => {
  it('a message failing the same way backs off, is reported once, and recovers', async () => {
    await clearDue();
    const id = 'poison';
    h.simulator.script(id, [{ kind: 'http', status: 502 }]);
    await trackMessage(h, id, { campaign: 'spring' }, new Date(h.now));
    const pollTimes: number[] = [];
    const until = h.now + 3 * 60 * MINUTE;
    while (h.now < until) {
      const before = h.simulator.requests.filter((r) => r.messageId === id).length;
      await runCycle(h.deps());
      if (h.simulator.requests.filter((r) => r.messageId === id).length > before) {
        pollTimes.push(h.now);
      }
      h.now += MINUTE;
    }

    // Backed off: 1, 2, 4, 8, 16, then 30 min (the longest interval): not polled every cycle.
    const gaps = pollTimes.slice(1).map((t, i) => (t - (pollTimes[i] as number)) / MINUTE);
    expect(gaps.slice(0, 6)).toEqual([1, 2, 4, 8, 16, 30]);
    expect(pollTimes.length).toBeLessThan(15);
    const reports = eventsOf(id).filter((e) => e.detailType === 'MessagePollFailing');
    expect(reports).toHaveLength(1);
    expect(reports[0]?.detail).toMatchObject({
      errorKind: 'transient',
      failures: 5,
      metadata: { campaign: 'spring' },
    });
    expect(String(reports[0]?.detail.error)).not.toContain('mp-test-KEY');

    // The provider heals: the next poll succeeds and the streak is forgotten.
    h.simulator.addMessage(id, [
      { email: 'anne@exemple.fr', events: [{ atMs: h.now, status: 'Delivered' }] },
    ]);
    h.now += 30 * MINUTE;
    await runCycle(h.deps());
    expect(eventsOf(id).map((e) => e.detailType)).toContain('RecipientDelivered');
    expect((await h.store.load(id))?.message.failure).toBeUndefined();
  });
});
