/**
 * Held and scheduled sends with a fake clock, over loopback: the provider's
 * commercial hold (no commercial mail 20:00–08:00 Paris time, Sundays, French
 * public holidays) and `sendAt` move when a message is expected to leave, and
 * the lifecycle never gives up on a mail before then. The scheduler is modelled
 * as the real one runs: a cycle every minute, polling only what is due.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SimRecipientTimeline } from '../../local/simulator/timeline.ts';
import { runCycle } from '../../shared/sync/sync-cycle.ts';
import { trackMessage } from '../../shared/sync/track-message.ts';
import { type Harness, startHarness } from '../support/harness.ts';

const SECOND = 1_000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

let h: Harness;
beforeAll(async () => {
  h = await startHarness({ tableName: 'held-sends-test' });
});
afterAll(async () => {
  await h?.close();
});

/** Moves the clock to `iso` with nothing left in the due index from earlier tests. */
async function startAt(iso: string): Promise<number> {
  for (const m of await h.store.listDue(new Date(8.64e15), { force: true })) {
    await h.store.untrack(m.messageId);
    await h.store.retire(m.messageId);
  }
  h.now = Date.parse(iso);
  return h.now;
}

/** Runs the every-minute scheduler until `until` (ms epoch), skipping idle minutes. */
async function runScheduler(until: number): Promise<void> {
  while (h.now < until) {
    const due = await h.store.listDue(new Date(h.now), { force: true });
    if (due.length === 0) break;
    const next = Math.min(...due.map((m) => Date.parse(m.nextPollAt)));
    h.now = Math.max(h.now, Math.ceil(next / MINUTE) * MINUTE);
    if (h.now >= until) break;
    await runCycle(h.deps());
    h.now += MINUTE;
  }
}

const polls = (id: string, before = Number.POSITIVE_INFINITY) =>
  h.simulator.requests.filter((r) => r.messageId === id && r.at < before);
const eventsOf = (id: string) => h.bus.events.filter((e) => e.detail.messageId === id);
const ENDINGS = ['MessageTrackingCompleted', 'MessageTrackingExpired', 'MessageNotFound'];

/** Two recipients that leave at `leaveAt`: delivered 30 s and 40 s later, one bounce-free. */
function leavingAt(leaveAt: number, before: 'waiting' | 'absent'): SimRecipientTimeline[] {
  const waiting = (t: number) => (before === 'waiting' ? [{ atMs: t, status: 'Waiting' }] : []);
  return [
    {
      email: 'anne@exemple.fr',
      events: [...waiting(leaveAt - 3 * DAY), { atMs: leaveAt + 30 * SECOND, status: 'Delivered' }],
    },
    {
      email: 'bruno@exemple.fr',
      events: [
        ...waiting(leaveAt - 3 * DAY),
        { atMs: leaveAt + 40 * SECOND, status: 'Not delivered' },
      ],
    },
  ];
}

/** Asserts the held message's events: each recipient's delivery out within 5 min, no ending before. */
function expectOutWithinMinutes(id: string, leaveAt: number): void {
  const recipientEvents = eventsOf(id).filter(
    (e) => 'email' in e.detail && e.detail.status !== 'Waiting',
  );
  expect(recipientEvents.map((e) => e.detail.email).sort()).toEqual([
    'anne@exemple.fr',
    'bruno@exemple.fr',
  ]);
  for (const e of recipientEvents) {
    const statusAt = Date.parse(String(e.detail.statusAt));
    const observedAt = Date.parse(String(e.detail.observedAt));
    expect(statusAt).toBeGreaterThanOrEqual(leaveAt);
    expect(observedAt - leaveAt).toBeLessThanOrEqual(5 * MINUTE);
  }
  const endings = eventsOf(id).filter((e) => ENDINGS.includes(e.detailType));
  for (const e of endings) {
    expect(Date.parse(String(e.detail.observedAt))).toBeGreaterThan(leaveAt);
  }
  // Each recipient's chain: 1, 2, … with each previousStatus the status before.
  for (const email of ['anne@exemple.fr', 'bruno@exemple.fr']) {
    const chain = eventsOf(id).filter((e) => e.detail.email === email);
    expect(chain.map((e) => e.detail.sequence)).toEqual(chain.map((_, i) => i + 1));
    expect(chain.map((e) => e.detail.previousStatus)).toEqual([
      null,
      ...chain.slice(0, -1).map((e) => e.detail.status),
    ]);
  }
}

describe('held and scheduled sends', () => {
  it('Saturday 20:30 before Easter Monday, across the summer-time change: code 4 until Tuesday 08:00', async () => {
    const id = 'easter-code4';
    // Saturday 27 March 2027, 20:30 in Paris (UTC+1); summer time starts on the Sunday.
    const t0 = await startAt('2027-03-27T19:30:00Z');
    const leaves = Date.parse('2027-03-30T06:00:00Z'); // Tuesday 08:00 in Paris (UTC+2)
    h.simulator.addMessage(id, leavingAt(leaves, 'absent'), { visibleAt: leaves });
    const tracked = await trackMessage(h, id, {}, new Date(t0), { commercialHold: true });
    expect(tracked.message).toMatchObject({
      expectedSendAt: '2027-03-30T06:00:00.000Z',
      sendReason: 'held',
    });
    const started = eventsOf(id)[0];
    expect(started?.detailType).toBe('MessageTrackingStarted');
    expect(started?.detail).toMatchObject({
      expectedSendAt: '2027-03-30T06:00:00.000Z',
      expectedSendReason: 'held',
    });

    await runScheduler(leaves + 3 * HOUR);

    // 58.5 hours held: the first check, then a few polls a day, then on the dot.
    const heldPolls = polls(id, leaves).length;
    expect(heldPolls).toBeGreaterThanOrEqual(1);
    expect(heldPolls).toBeLessThanOrEqual(16);
    expect(polls(id).some((r) => r.at === leaves)).toBe(true);
    expectOutWithinMinutes(id, leaves);
    expect(eventsOf(id).filter((e) => e.detailType === 'MessageNotFound')).toEqual([]);
  });

  it('Friday 21:00, recipients listed as waiting: leaves Saturday 08:00, not expired meanwhile', async () => {
    const id = 'friday-waiting';
    const t0 = await startAt('2026-12-04T20:00:00Z'); // Friday 21:00 in Paris (UTC+1)
    const leaves = Date.parse('2026-12-05T07:00:00Z'); // Saturday 08:00
    h.simulator.addMessage(id, leavingAt(leaves, 'waiting'));
    await trackMessage(h, id, {}, new Date(t0), { commercialHold: true });

    await runScheduler(leaves + 2 * HOUR);

    expect(polls(id, leaves).length).toBeLessThanOrEqual(4);
    expectOutWithinMinutes(id, leaves);
  });

  it('Sunday, empty list until Monday 08:00; tracking window counted from the send', async () => {
    const id = 'sunday-empty';
    const t0 = await startAt('2026-12-06T10:00:00Z'); // Sunday 11:00 in Paris
    const leaves = Date.parse('2026-12-07T07:00:00Z'); // Monday 08:00
    // Listed from the start, no recipient yet: an empty list.
    h.simulator.addMessage(id, leavingAt(leaves, 'absent'), { visibleAt: t0 });
    await trackMessage(h, id, {}, new Date(t0), { commercialHold: true });

    await runScheduler(leaves + 49 * HOUR);

    expectOutWithinMinutes(id, leaves);
    const ending = eventsOf(id).find((e) => ENDINGS.includes(e.detailType));
    expect(ending?.detailType).toBe('MessageTrackingCompleted');
  });

  it('a week-ahead sendAt: one check when tracking starts, then due exactly at its time', async () => {
    const id = 'week-ahead';
    const t0 = await startAt('2026-12-01T09:00:00Z'); // Tuesday 10:00
    const sendAt = Date.parse('2026-12-08T09:30:00Z'); // next Tuesday 10:30
    h.simulator.addMessage(id, leavingAt(sendAt, 'absent'), { visibleAt: sendAt });
    const tracked = await trackMessage(h, id, {}, new Date(t0), {
      sendAt: new Date(sendAt),
      commercialHold: true,
    });
    expect(tracked.message).toMatchObject({
      sendAt: '2026-12-08T09:30:00.000Z',
      expectedSendAt: '2026-12-08T09:30:00.000Z',
      sendReason: 'scheduled',
    });

    await runScheduler(sendAt + 2 * HOUR);

    expect(polls(id, sendAt).length).toBe(1);
    expect(polls(id).some((r) => r.at === sendAt)).toBe(true);
    expectOutWithinMinutes(id, sendAt);
  });

  it('with the hold switched off, a wrong id on a weekday evening is given up after the grace period', async () => {
    const id = 'wrong-id-no-hold';
    const t0 = await startAt('2026-12-02T20:30:00Z'); // Wednesday 21:30 in Paris
    const tracked = await trackMessage(h, id, {}, new Date(t0), { commercialHold: false });
    expect(tracked.message).toMatchObject({
      sendReason: 'now',
      expectedSendAt: tracked.message.trackedAt,
    });

    await runScheduler(t0 + 2 * HOUR);

    const gaveUp = eventsOf(id).find((e) => e.detailType === 'MessageNotFound');
    expect(gaveUp).toBeDefined();
    expect(Date.parse(String(gaveUp?.detail.observedAt)) - t0).toBeGreaterThanOrEqual(30 * MINUTE);
    expect(Date.parse(String(gaveUp?.detail.observedAt)) - t0).toBeLessThan(35 * MINUTE);
  });

  it('with the hold on, a wrong id is given up only after the grace period from the expected send', async () => {
    const id = 'wrong-id-held';
    const t0 = await startAt('2026-12-02T20:30:00Z'); // Wednesday 21:30 in Paris
    const leaves = Date.parse('2026-12-03T07:00:00Z'); // Thursday 08:00
    await trackMessage(h, id, {}, new Date(t0), { commercialHold: true });

    await runScheduler(leaves + 2 * HOUR);

    const gaveUp = eventsOf(id).find((e) => e.detailType === 'MessageNotFound');
    expect(Date.parse(String(gaveUp?.detail.observedAt)) - leaves).toBeGreaterThanOrEqual(
      30 * MINUTE,
    );
    expect(polls(id, leaves).length).toBeLessThanOrEqual(4);
  });

  it('statuses appearing before the expected send put the message on the fresh schedule at once', async () => {
    const id = 'hold-did-not-apply';
    const t0 = await startAt('2026-12-05T21:00:00Z'); // Saturday 22:00: held until Monday 08:00
    const late = t0 + 4 * HOUR + 3 * MINUTE;
    h.simulator.addMessage(id, [
      { email: 'anne@exemple.fr', events: [{ atMs: t0 + 30 * SECOND, status: 'Delivered' }] },
      {
        email: 'bruno@exemple.fr',
        events: [
          { atMs: t0 + 30 * SECOND, status: 'Waiting' },
          { atMs: late, status: 'Delivered' },
        ],
      },
    ]);
    const tracked = await trackMessage(h, id, {}, new Date(t0), { commercialHold: true });
    expect(tracked.message.sendReason).toBe('held');

    // The first check finds nothing yet; the next held check (4 h later) sees a delivery.
    await runScheduler(t0 + 6 * HOUR);

    const seen = eventsOf(id).find((e) => e.detail.status === 'Delivered');
    const seenAt = Date.parse(String(seen?.detail.observedAt));
    expect(seenAt).toBe(t0 + 4 * HOUR);
    // From then on the fresh schedule: polled every minute, bruno's delivery out within 2 min.
    const bruno = eventsOf(id).find(
      (e) => e.detail.email === 'bruno@exemple.fr' && e.detail.status === 'Delivered',
    );
    expect(Date.parse(String(bruno?.detail.observedAt)) - late).toBeLessThanOrEqual(2 * MINUTE);
    expect(polls(id).filter((r) => r.at > seenAt && r.at <= seenAt + 3 * MINUTE).length).toBe(3);
  });
});
