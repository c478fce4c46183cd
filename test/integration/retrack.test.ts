/**
 * Tracking an ended message again (after untrack, not-found or expiry): a new
 * tracking starts, each recipient's chain goes on unbroken, and
 * MessageTrackingStarted goes out again with a new eventId. Fake clock, loopback.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCycle } from '../../shared/sync/sync-cycle.ts';
import { trackMessage } from '../../shared/sync/track-message.ts';
import { type Harness, startHarness } from '../support/harness.ts';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

let h: Harness;
beforeAll(async () => {
  h = await startHarness({ tableName: 'retrack-test' });
});
afterAll(async () => {
  await h?.close();
});

async function cycles(n: number): Promise<void> {
  for (let i = 0; i < n; i++) {
    await runCycle(h.deps());
    h.now += MINUTE;
  }
}

const eventsOf = (id: string) => h.bus.events.filter((e) => e.detail.messageId === id);

describe('tracking an ended message again', () => {
  it('after untrack: restarts, the chain goes on, a new MessageTrackingStarted', async () => {
    const id = 'retrack-untracked';
    const t0 = h.now;
    h.simulator.addMessage(id, [
      {
        email: 'anne@exemple.fr',
        events: [
          { atMs: t0, status: 'Waiting' },
          { atMs: t0 + 10 * MINUTE, status: 'Delivered' },
        ],
      },
    ]);
    await trackMessage(h, id, {}, new Date(t0));
    await cycles(2);
    await h.store.untrack(id, new Date(h.now));
    h.now += 20 * MINUTE;
    await cycles(1); // flushes and retires; nothing polled

    const again = await trackMessage(h, id, { round: '2' }, new Date(h.now));
    expect(again).toMatchObject({ created: true, restarted: true, announced: true });
    await cycles(2);

    const started = eventsOf(id).filter((e) => e.detailType === 'MessageTrackingStarted');
    expect(started).toHaveLength(2);
    expect(started[0]?.detail.eventId).not.toBe(started[1]?.detail.eventId);
    const chain = eventsOf(id).filter((e) => e.detail.email === 'anne@exemple.fr');
    expect(chain.map((e) => [e.detail.sequence, e.detail.previousStatus, e.detail.status])).toEqual(
      [
        [1, null, 'Waiting'],
        [2, 'Waiting', 'Delivered'],
      ],
    );
    expect(chain[1]?.detail.metadata).toEqual({ round: '2' });
  });

  it('after not-found: restarts and is found this time', async () => {
    const id = 'retrack-not-found';
    const t0 = h.now;
    await trackMessage(h, id, {}, new Date(t0));
    for (let i = 0; i < 35; i++) await cycles(1);
    expect((await h.store.load(id))?.message).toMatchObject({ state: 'not-found' });
    const ended = (await h.store.load(id))?.message.endedAt;
    expect(ended).toBeTruthy();

    h.simulator.addMessage(id, [
      { email: 'bruno@exemple.fr', events: [{ atMs: h.now, status: 'Delivered' }] },
    ]);
    const again = await trackMessage(h, id, {}, new Date(h.now));
    expect(again.restarted).toBe(true);
    await cycles(2);
    expect(eventsOf(id).map((e) => e.detailType)).toEqual([
      'MessageTrackingStarted',
      'MessageNotFound',
      'MessageTrackingStarted',
      'RecipientDelivered',
    ]);
  });

  it('an active message tracked again changes nothing', async () => {
    const id = 'retrack-active';
    await trackMessage(h, id, {}, new Date(h.now));
    h.now += HOUR;
    const again = await trackMessage(h, id, {}, new Date(h.now));
    expect(again).toMatchObject({ created: false, restarted: false, announced: false });
  });
});
