import { describe, expect, it } from 'vitest';
import { decide, lifecyclePolicy } from '../../../shared/lifecycle/policy.ts';
import type { RecipientState } from '../../../shared/model.ts';
import { changeHazard, changeProbability } from '../../../shared/schedule/delay-model.ts';
import { minuteAllowance, tickShare } from '../../../shared/schedule/minute-budget.ts';
import {
  DEFAULT_SCHEDULE,
  nextInterval,
  nothingMoreExpected,
  scheduleSettings,
} from '../../../shared/schedule/next-poll.ts';
import { nextPressure, underPressure } from '../../../shared/schedule/pressure.ts';
import { pickDue, pollPriority } from '../../../shared/schedule/priority.ts';

const S = 1000;
const MIN = 60 * S;
const HOUR = 60 * MIN;
const T0 = Date.parse('2026-11-27T09:00:00Z');
const rec = (status: string, atMs = T0, stopMail = false) => ({
  status,
  stopMail,
  statusAtMs: atMs,
});

describe('delay model', () => {
  it('expects a waiting recipient to change within seconds, then ever less often', () => {
    const waiting = { status: 'Waiting', stopMail: false };
    expect(changeHazard(waiting, 5 * S)).toBeGreaterThan(changeHazard(waiting, 10 * MIN));
    expect(changeHazard(waiting, 10 * MIN)).toBeGreaterThan(changeHazard(waiting, 10 * HOUR));
    // The 48 h tail: a report may still come hours later.
    expect(changeProbability(waiting, 10 * HOUR, 38 * HOUR)).toBeGreaterThan(0.2);
  });

  it('gives nothing more to a bounce, a complaint or an unsubscribed recipient', () => {
    expect(changeHazard({ status: 'Bounced', stopMail: false }, MIN)).toBe(0);
    expect(changeHazard({ status: 'SPAM_COMPLAINT', stopMail: true }, MIN)).toBe(0);
    expect(changeProbability({ status: 'Delivered', stopMail: true }, MIN, HOUR)).toBe(0);
  });

  it('expects most opens of a delivered recipient in its first hours', () => {
    const delivered = { status: 'Delivered', stopMail: false };
    const early = changeProbability(delivered, 0, HOUR);
    const late = changeProbability(delivered, 24 * HOUR, 24 * HOUR);
    expect(early).toBeGreaterThan(0.2);
    expect(late).toBeLessThan(0.01);
  });
});

describe('next poll', () => {
  it('polls a fresh send at the shortest interval and a quiet one far less often', () => {
    expect(nextInterval(DEFAULT_SCHEDULE, [rec('Waiting')], T0 + 5 * S, T0)).toBe(10 * S);
    const quiet = nextInterval(DEFAULT_SCHEDULE, [rec('Delivered')], T0 + 20 * HOUR, T0);
    expect(quiet).toBeGreaterThan(15 * MIN);
    expect(quiet).toBeLessThanOrEqual(DEFAULT_SCHEDULE.maxIntervalMs);
  });

  it('polls a message with more recipients likely to change sooner', () => {
    const one = nextInterval(DEFAULT_SCHEDULE, [rec('Delivered')], T0 + 10 * MIN, T0);
    const five = nextInterval(DEFAULT_SCHEDULE, Array(5).fill(rec('Delivered')), T0 + 10 * MIN, T0);
    expect(five).toBeLessThan(one);
  });

  it('waits the longest interval for a message with nothing more to come', () => {
    expect(nextInterval(DEFAULT_SCHEDULE, [rec('Bounced')], T0 + MIN, T0)).toBe(3 * HOUR);
    expect(
      nothingMoreExpected(DEFAULT_SCHEDULE, [rec('Bounced')], T0 + MIN, T0 + 48 * HOUR, T0),
    ).toBe(true);
  });

  it('keeps a delivered message tracked while opens are likely, ends it once they are not', () => {
    const end = T0 + 48 * HOUR;
    expect(nothingMoreExpected(DEFAULT_SCHEDULE, [rec('Delivered')], T0 + HOUR, end, T0)).toBe(
      false,
    );
    expect(nothingMoreExpected(DEFAULT_SCHEDULE, [rec('Clicked')], T0 + 47 * HOUR, end, T0)).toBe(
      true,
    );
  });

  it('refuses settings that make no sense', () => {
    expect(() => scheduleSettings({ minIntervalMs: 0 })).toThrow(RangeError);
    expect(() => scheduleSettings({ exponent: 2 })).toThrow(RangeError);
  });
});

describe('decide with the default scheduler', () => {
  const policy = lifecyclePolicy({ schedule: DEFAULT_SCHEDULE });
  const r = (status: string, atMs: number): RecipientState => ({
    email: `${status}@x.fr`,
    token: '',
    status,
    stopMail: false,
    cost: 1,
    statusAt: new Date(atMs).toISOString(),
    sequence: 1,
    lastEventId: 'e',
  });
  const view = (nowMs: number, recipients: RecipientState[]) => ({
    now: new Date(nowMs),
    trackedAt: new Date(T0),
    recipients,
    notFound: false,
  });

  it('polls a fresh send within seconds, not on the minute', () => {
    expect(decide(policy, view(T0 + 10 * S, [r('Waiting', T0)]))).toEqual({
      kind: 'continue',
      nextPollAt: new Date(T0 + 20 * S),
    });
  });

  it('keeps polling a settled message past the old 1 h engagement window', () => {
    const d = decide(policy, view(T0 + 2 * HOUR, [r('Delivered', T0 + 5 * S)]));
    expect(d.kind).toBe('continue');
  });

  it('completes a settled message once nothing more is expected, expires a pending one at 48 h', () => {
    expect(decide(policy, view(T0 + 30 * MIN, [r('Bounced', T0 + 5 * S)])).kind).toBe('completed');
    expect(decide(policy, view(T0 + 48 * HOUR, [r('Waiting', T0)])).kind).toBe('expired');
  });

  it('never schedules past the end of the window', () => {
    const d = decide(policy, view(T0 + 48 * HOUR - 20 * S, [r('Waiting', T0)]));
    expect(d.kind === 'continue' && d.nextPollAt.getTime()).toBeLessThanOrEqual(T0 + 48 * HOUR);
  });
});

describe('budget, priority and pressure', () => {
  it('allows no more than the budget in any 60 s', () => {
    const spent = [
      { atMs: T0, count: 1000 },
      { atMs: T0 + 30 * S, count: 700 },
    ];
    expect(minuteAllowance(spent, T0 + 50 * S, 1800)).toBe(100);
    expect(minuteAllowance(spent, T0 + 60 * S, 1800)).toBe(1100);
    expect(tickShare(1800, 10 * S)).toBe(600);
  });

  it('puts the message most overdue for its own interval first, and lets none starve', () => {
    const fresh = {
      nextPollAt: new Date(T0 + 10 * S).toISOString(),
      lastPolledAt: new Date(T0).toISOString(),
      expectedSendAt: new Date(T0).toISOString(),
    };
    const quiet = {
      nextPollAt: new Date(T0).toISOString(),
      lastPolledAt: new Date(T0 - 2 * HOUR).toISOString(),
      expectedSendAt: new Date(T0 - 3 * HOUR).toISOString(),
    };
    expect(pickDue([quiet, fresh], T0 + 20 * S, 1)).toEqual([fresh]);
    expect(pollPriority(quiet, T0 + 10 * HOUR)).toBeGreaterThan(pollPriority(quiet, T0 + HOUR));
    expect(pickDue([quiet, fresh], T0 + 20 * S, 5)).toEqual([quiet, fresh]);
  });

  it('raises the pressure while demand is over the target and lowers it back to 1', () => {
    let p = 1;
    for (let i = 0; i < 10; i++) p = nextPressure(p, 300, 300);
    expect(p).toBeGreaterThan(1.5);
    for (let i = 0; i < 100; i++) p = nextPressure(p, 0, 300);
    expect(p).toBe(1);
    expect(underPressure(DEFAULT_SCHEDULE, 4).changesPerPoll).toBe(
      4 * DEFAULT_SCHEDULE.changesPerPoll,
    );
  });
});
