/**
 * The tracking lifecycle with a fake clock, over loopback: adaptive schedule,
 * completion, expiry, never found, untrack. The scheduler is modelled as the
 * real one runs: a cycle every minute, polling only what is due.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { runCycle } from '../../shared/sync/sync-cycle.ts';
import { trackMessage } from '../../shared/sync/track-message.ts';
import { type Harness, startHarness } from '../support/harness.ts';

const SECOND = 1_000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;

let h: Harness;
beforeAll(async () => {
  h = await startHarness({ tableName: 'lifecycle-test' });
});
afterAll(async () => {
  await h?.close();
});
beforeEach(async () => {
  // Each test starts on a fresh day with nothing left in the due index.
  h.now = Math.ceil((h.now + 100 * HOUR) / HOUR) * HOUR;
  for (const m of await h.store.listDue(new Date(h.now), { force: true })) {
    await h.store.untrack(m.messageId);
    await h.store.retire(m.messageId);
  }
});

/** Runs the every-minute scheduler until `until` (ms epoch), skipping idle minutes. */
async function runScheduler(until: number): Promise<number> {
  let cycles = 0;
  while (h.now < until) {
    const due = await h.store.listDue(new Date(h.now), { force: true });
    if (due.length === 0) break;
    const next = Math.min(...due.map((m) => Date.parse(m.nextPollAt)));
    // The rule fires on the minute; a message due in between waits for the next tick.
    h.now = Math.max(h.now, Math.ceil(next / MINUTE) * MINUTE);
    if (h.now >= until) break;
    await runCycle(h.deps());
    cycles += 1;
    h.now += MINUTE;
  }
  return cycles;
}

const polls = (id: string) => h.simulator.requests.filter((r) => r.messageId === id);
const eventsOf = (id: string) => h.bus.events.filter((e) => e.detail.messageId === id);

describe('tracking lifecycle', () => {
  it('a message whose recipients settle in seconds: a few polls, then completed', async () => {
    const id = 'settles-fast';
    const t0 = h.now;
    h.simulator.addMessage(id, [
      {
        email: 'a@x.fr',
        events: [
          { atMs: t0, status: 'Waiting' },
          { atMs: t0 + 5 * SECOND, status: 'Delivered' },
        ],
      },
      {
        email: 'b@x.fr',
        events: [
          { atMs: t0, status: 'Waiting' },
          { atMs: t0 + 8 * SECOND, status: 'Bounced' },
        ],
      },
    ]);
    const tracked = await trackMessage(h, id, { order: '42' }, new Date(t0));
    expect(tracked).toMatchObject({ created: true, announced: true });

    await runScheduler(t0 + 48 * HOUR);

    const message = (await h.store.load(id))?.message;
    expect(message).toMatchObject({ active: false, state: 'completed' });
    // 1 poll finds everything final; the engagement window (1 h) is polled every 15 min.
    expect(polls(id).length).toBeLessThanOrEqual(6);
    const types = eventsOf(id).map((e) => e.detailType);
    expect(types[0]).toBe('MessageTrackingStarted');
    expect(types.at(-1)).toBe('MessageTrackingCompleted');
    const completed = eventsOf(id).at(-1)?.detail;
    expect(completed).toMatchObject({
      recipients: 2,
      counts: { Delivered: 1, Bounced: 1 },
      metadata: { order: '42' },
    });
    // Retired: no longer in the due index at all.
    expect(await h.store.listDue(new Date(h.now + 100 * HOUR), { force: true })).toEqual([]);
  });

  it('a message that stays pending is polled less and less, then expires at 48 h', async () => {
    const id = 'stays-pending';
    const t0 = h.now;
    h.simulator.addMessage(id, [
      {
        email: 'ok@x.fr',
        events: [
          { atMs: t0, status: 'Waiting' },
          { atMs: t0 + 3 * SECOND, status: 'Delivered' },
        ],
      },
      { email: 'slow@x.fr', events: [{ atMs: t0, status: 'Waiting' }] },
    ]);
    await trackMessage(h, id, {}, new Date(t0));

    await runScheduler(t0 + 50 * HOUR);

    expect((await h.store.load(id))?.message).toMatchObject({ active: false, state: 'expired' });
    const times = polls(id).map((r) => r.at);
    const gaps = times.slice(1).map((t, i) => t - (times[i] as number));
    // Intervals grow with quiet time: 1 min at first, up to 30 min.
    expect(gaps[0]).toBe(MINUTE);
    expect(Math.max(...gaps)).toBe(30 * MINUTE);
    expect(gaps.slice(-20).every((g) => g >= 20 * MINUTE)).toBe(true);
    // Polling every minute for 48 h would be 2,880 requests.
    expect(times.length).toBeLessThan(150);
    expect(times.at(-1)).toBeGreaterThanOrEqual(t0 + 48 * HOUR);
    expect(times.at(-1)).toBeLessThan(t0 + 48 * HOUR + 2 * MINUTE);
    const expired = eventsOf(id).at(-1);
    expect(expired?.detailType).toBe('MessageTrackingExpired');
    expect(expired?.detail).toMatchObject({
      pendingCount: 1,
      pending: [{ email: 'slow@x.fr', status: 'Waiting' }],
      counts: { Delivered: 1, Waiting: 1 },
    });
  });

  it('a message never found is given up after the grace period with MessageNotFound', async () => {
    const id = 'never-found';
    const t0 = h.now;
    await trackMessage(h, id, {}, new Date(t0));

    await runScheduler(t0 + 48 * HOUR);

    expect((await h.store.load(id))?.message).toMatchObject({ active: false, state: 'not-found' });
    const notFound = eventsOf(id).at(-1);
    expect(notFound?.detailType).toBe('MessageNotFound');
    expect(Number(notFound?.detail.gaveUpAfterMs)).toBeGreaterThanOrEqual(30 * MINUTE);
    expect(polls(id).length).toBeGreaterThanOrEqual(30);
    expect(polls(id).length).toBeLessThanOrEqual(32);
  });

  it('a message that appears after a few minutes of code 4 is tracked normally', async () => {
    const id = 'late-visible';
    const t0 = h.now;
    h.simulator.addMessage(
      id,
      [
        {
          email: 'a@x.fr',
          events: [
            { atMs: t0, status: 'Waiting' },
            { atMs: t0 + 6 * MINUTE, status: 'Delivered' },
          ],
        },
      ],
      { visibleAt: t0 + 5 * MINUTE },
    );
    await trackMessage(h, id, {}, new Date(t0));
    await runScheduler(t0 + 48 * HOUR);
    expect((await h.store.load(id))?.message.state).toBe('completed');
    expect(eventsOf(id).map((e) => e.detailType)).toEqual([
      'MessageTrackingStarted',
      'RecipientStatusChanged',
      'RecipientDelivered',
      'MessageTrackingCompleted',
    ]);
  });

  it('an untracked message is polled no more, and its pending events still go out', async () => {
    const id = 'untracked';
    const t0 = h.now;
    h.simulator.addMessage(id, [{ email: 'a@x.fr', events: [{ atMs: t0, status: 'Waiting' }] }]);
    await trackMessage(h, id, {}, new Date(t0));
    await runScheduler(t0 + 5 * MINUTE);
    const before = polls(id).length;
    expect(before).toBeGreaterThan(0);

    await h.store.untrack(id);
    await runScheduler(t0 + 48 * HOUR);

    expect(polls(id).length).toBe(before);
    expect((await h.store.load(id))?.message).toMatchObject({ active: false, state: 'untracked' });
    expect(await h.store.listDue(new Date(h.now), { force: true })).toEqual([]);
  });
});
