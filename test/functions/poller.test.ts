/** The poller handler as Lambda runs it: a real middy chain, engine over loopback. */
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import type { Context } from 'aws-lambda';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { createHandler } from '../../functions/poller.ts';
import type { PollerDeps } from '../../runtime/poll-cycle.ts';
import { lifecyclePolicy } from '../../shared/lifecycle/policy.ts';
import { DEFAULT_SCHEDULE } from '../../shared/schedule/next-poll.ts';
import { coldMinuteState, newMinuteState, pollerMinute } from '../../shared/sync/poll-minute.ts';
import { type Harness, startHarness } from '../support/harness.ts';

let h: Harness;
beforeAll(async () => {
  h = await startHarness({ tableName: 'poller-test' });
});
afterAll(async () => {
  await h?.close();
});
beforeEach(async () => {
  // Each case starts from an empty schedule and request log.
  for (const m of await h.store.listDue(new Date(h.now), { force: true })) {
    await h.store.untrack(m.messageId);
    await h.store.retire(m.messageId);
  }
  h.simulator.clearRequests();
});

const context = (remainingMs: number) =>
  ({
    functionName: 'poller',
    awsRequestId: 'req-1',
    getRemainingTimeInMillis: () => remainingMs,
  }) as unknown as Context;

const quiet = () => new Logger({ serviceName: 'test', logLevel: 'SILENT' });
const metrics = () => new Metrics({ namespace: 'Test', serviceName: 'poller' });

/** `count` fresh sends, each with one recipient still waiting (so it stays due every 10 s). */
async function freshSends(prefix: string, count: number): Promise<void> {
  for (let i = 0; i < count; i++) {
    h.simulator.script(`${prefix}-${i}`, [
      { kind: 'ok', recipients: [{ email: `w${i}@x.fr`, status: 'Waiting' }] },
    ]);
    await h.store.track(`${prefix}-${i}`, {}, new Date(h.now - (count - i) * 1000));
  }
}

/** Most provider requests in any 60 s of the simulator's request log (its clock is `h.now`). */
function peakPerMinute(): number {
  const at = h.simulator.requests.map((r) => r.at);
  return Math.max(0, ...at.map((t) => at.filter((u) => u > t - 60_000 && u <= t).length));
}

/** Handler whose sleep moves the fake clock, as the timer would. */
function tickingHandler(budgetPerMinute: number, minute: PollerDeps['minute']) {
  return createHandler({
    syncDeps: () => h.deps({ policy: lifecyclePolicy({ schedule: DEFAULT_SCHEDULE }) }),
    concurrency: 2,
    budgetPerMinute,
    minute,
    logger: quiet(),
    metrics: metrics(),
  });
}

const sleep = async (ms: number) => {
  h.now += ms;
};

describe('poller handler', () => {
  it('without a sleep runs one tick: its share of the budget, highest priority first, with metrics', async () => {
    for (let i = 0; i < 3; i++) {
      h.simulator.script(`p-${i}`, [
        {
          kind: 'ok',
          recipients: [
            { email: `u${i}@x.fr`, status: 'Delivered', date: Math.floor(h.now / 1000) - 30 },
          ],
        },
      ]);
      await h.store.track(`p-${i}`, {}, new Date(h.now - (3 - i) * 1000));
    }
    const m = metrics();
    const added = vi.spyOn(m, 'addMetric');
    const handler = createHandler({
      syncDeps: () => h.deps(),
      concurrency: 2,
      // A 10 s tick may spend 2 × 6 × 10 / 60 = 2 of a budget of 6 a minute.
      budgetPerMinute: 6,
      logger: quiet(),
      metrics: m,
    });
    const summary = await handler({}, context(300_000));
    expect(summary).toMatchObject({
      ticks: 1,
      messagesDue: 3,
      messagesPolled: 2,
      changes: 2,
      eventsPublished: 2,
    });
    expect(summary.lagMs?.max).toBeGreaterThanOrEqual(30_000);
    // The two waiting longest (the oldest sends) went first.
    expect(h.simulator.requests.map((r) => r.messageId).sort()).toEqual(['p-0', 'p-1']);
    const names = added.mock.calls.map((c) => c[0]);
    expect(names).toEqual(
      expect.arrayContaining([
        'MessagesPolled',
        'StatusChanges',
        'EventsPublished',
        'PublishLagMax',
      ]),
    );
    expect(added.mock.calls.find((c) => c[0] === 'MessagesPolled')?.[2]).toBe(2);
  });

  it('runs 10 s ticks for 50 s and never spends more than the budget in any 60 s, across warm invocations', async () => {
    await freshSends('t', 20);
    // Budget 12 a minute: 4 a tick (twice the even share) until the minute is spent.
    const state = newMinuteState();
    const handler = tickingHandler(12, { sleep, state });
    const begin = h.now;

    const first = await handler({}, context(300_000));
    expect(h.now - begin).toBe(50_000);
    expect(first).toMatchObject({ ticks: 3, messagesPolled: 12, unchanged: 0, changed: 12 });
    expect(h.simulator.requests.map((r) => r.at - begin)).toEqual([
      ...Array(4).fill(0),
      ...Array(4).fill(10_000),
      ...Array(4).fill(20_000),
    ]);

    // The next scheduled invocation, on the same instance: the spend at 0 s has left the window.
    h.now = begin + 60_000;
    const second = await handler({}, context(300_000));
    expect(second).toMatchObject({ ticks: 3, messagesPolled: 12 });
    expect(h.simulator.requests).toHaveLength(24);
    expect(peakPerMinute()).toBe(12);
    // Fresh sends still waiting are polled again within the minute, not once a minute.
    const polls = new Map<string, number>();
    for (const r of h.simulator.requests) {
      polls.set(r.messageId ?? '', (polls.get(r.messageId ?? '') ?? 0) + 1);
    }
    expect(Math.max(...polls.values())).toBeGreaterThanOrEqual(2);
  });

  it('on a cold instance assumes the previous invocation spent the budget, so the window still holds', async () => {
    await freshSends('c', 20);
    const begin = h.now;
    const handler = tickingHandler(12, { sleep, state: coldMinuteState(begin, 12) });
    const summary = await handler({}, context(300_000));
    // Seeded 4 at -10, -20 and -30 s: nothing until the -30 s spend leaves the window at +30 s.
    expect(summary).toMatchObject({ ticks: 3, messagesPolled: 12 });
    expect(new Set(h.simulator.requests.map((r) => r.at - begin))).toEqual(
      new Set([30_000, 40_000, 50_000]),
    );
  });

  it('with POLL_RUN_SECONDS=0 runs one cycle of the whole budget at once, no wait', async () => {
    await freshSends('z', 20);
    const begin = h.now;
    const handler = tickingHandler(12, pollerMinute(0, 12, sleep, begin));
    const summary = await handler({}, context(300_000));
    expect(summary).toMatchObject({ ticks: 1, messagesPolled: 12 });
    expect(h.now).toBe(begin);
    expect(new Set(h.simulator.requests.map((r) => r.at - begin))).toEqual(new Set([0]));
    // And a setting above 0 seeds the cold state and ticks for that long.
    expect(pollerMinute(20, 12, sleep, begin)).toMatchObject({ runForMs: 20_000, sleep });
  });

  it('stops ticking at a configuration error and reports it once', async () => {
    await freshSends('k', 2);
    h.simulator.script('k-0', [{ kind: 'code', code: 10 }]);
    h.simulator.script('k-1', [{ kind: 'code', code: 10 }]);
    const summary = await tickingHandler(60, { sleep, state: newMinuteState() })(
      {},
      context(300_000),
    );
    expect(summary.stoppedBy).toBe('configuration');
    expect(summary.ticks).toBe(1);
    expect(summary.errors.configuration).toBeGreaterThanOrEqual(1);
  });

  it('starts nothing when the Lambda deadline is already within the margin', async () => {
    await freshSends('d', 2);
    const begin = h.now;
    const summary = await tickingHandler(100, { sleep, state: newMinuteState() })(
      {},
      context(1_000),
    );
    expect(summary).toMatchObject({ ticks: 0, messagesPolled: 0 });
    expect(h.simulator.requests).toHaveLength(0);
    expect(h.now).toBe(begin);
  });
});
