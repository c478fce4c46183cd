import { describe, expect, it } from 'vitest';
import { carryFinal, decide, hasLeft, lifecyclePolicy } from '../../../shared/lifecycle/policy.ts';
import type { RecipientState } from '../../../shared/model.ts';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const T0 = new Date('2026-11-27T09:00:00Z');
const at = (ms: number) => new Date(T0.getTime() + ms);
const policy = lifecyclePolicy();

function r(status: string, statusAtMs = 0, email = `${status}@x.fr`): RecipientState {
  return {
    email,
    token: '',
    status,
    stopMail: false,
    cost: 1,
    statusAt: at(statusAtMs).toISOString(),
    sequence: 1,
    lastEventId: 'e',
  };
}
const view = (nowMs: number, recipients: RecipientState[], notFound = false) => ({
  now: at(nowMs),
  trackedAt: T0,
  recipients,
  notFound,
});

describe('lifecycle policy: decide', () => {
  it('polls a fresh message with pending recipients every minute', () => {
    expect(decide(policy, view(2 * MINUTE, [r('Waiting')]))).toEqual({
      kind: 'continue',
      nextPollAt: at(3 * MINUTE),
    });
  });

  it('polls less often the longer a message has been quiet, up to the maximum', () => {
    const next = (quiet: number) => {
      const d = decide(policy, view(quiet, [r('Waiting')]));
      return d.kind === 'continue' ? d.nextPollAt.getTime() - at(quiet).getTime() : null;
    };
    expect(next(5 * MINUTE)).toBe(MINUTE);
    expect(next(2 * HOUR)).toBe(12 * MINUTE);
    expect(next(20 * HOUR)).toBe(30 * MINUTE);
  });

  it('quiet time counts from the last status change, not from tracking', () => {
    const d = decide(policy, view(10 * HOUR, [r('Waiting', 10 * HOUR - 2 * MINUTE)]));
    expect(d).toEqual({ kind: 'continue', nextPollAt: at(10 * HOUR + MINUTE) });
  });

  it('waits out the engagement window once every recipient is final, then completes', () => {
    const settled = [r('Delivered', 10_000), r('Bounced', 20_000), r('Opened', 30_000)];
    expect(decide(policy, view(5 * MINUTE, settled))).toEqual({
      kind: 'continue',
      nextPollAt: at(20 * MINUTE),
    });
    expect(decide(policy, view(HOUR + MINUTE, settled))).toEqual({
      kind: 'completed',
      counts: { Delivered: 1, Bounced: 1, Opened: 1 },
    });
  });

  it('treats case and spacing variants of final statuses as final, and unknown ones as pending', () => {
    expect(decide(policy, view(2 * HOUR, [r('NOT_DELIVERED')])).kind).toBe('completed');
    expect(decide(policy, view(2 * HOUR, [r('Deferred')])).kind).toBe('continue');
  });

  it('expires at the end of the window with the pending recipients listed', () => {
    const d = decide(policy, view(48 * HOUR, [r('Delivered'), r('Waiting')]));
    expect(d).toMatchObject({ kind: 'expired', counts: { Delivered: 1, Waiting: 1 } });
    expect(d.kind === 'expired' && d.pending.map((p) => p.status)).toEqual(['Waiting']);
  });

  it('never schedules past the end of the window', () => {
    const d = decide(policy, view(48 * HOUR - 5 * MINUTE, [r('Waiting')]));
    expect(d).toEqual({ kind: 'continue', nextPollAt: at(48 * HOUR) });
  });

  it('gives up on a message never found after the grace period, not before', () => {
    expect(decide(policy, view(10 * MINUTE, [], true))).toEqual({
      kind: 'continue',
      nextPollAt: at(11 * MINUTE),
    });
    expect(decide(policy, view(30 * MINUTE, [], true))).toEqual({ kind: 'not-found' });
  });

  it('honours a configured final set', () => {
    const strict = lifecyclePolicy({ finalTypes: new Set(['RecipientClicked']) });
    expect(decide(strict, view(2 * HOUR, [r('Delivered')])).kind).toBe('continue');
  });

  it('refuses settings that make no sense', () => {
    expect(() => lifecyclePolicy({ minIntervalMs: 0 })).toThrow(/minIntervalMs/);
    expect(() => lifecyclePolicy({ maxIntervalMs: 1, minIntervalMs: 2 })).toThrow(/maxIntervalMs/);
  });
});

describe('lifecycle policy: held and scheduled sends', () => {
  const DAY = 24 * HOUR;
  const held = (nowMs: number, recipients: RecipientState[], notFound = false) => ({
    ...view(nowMs, recipients, notFound),
    send: { sendAt: null, expectedSendAt: at(2 * DAY), reason: 'held' as const },
  });
  const scheduled = (nowMs: number, recipients: RecipientState[], notFound = false) => ({
    ...view(nowMs, recipients, notFound),
    send: { sendAt: at(7 * DAY), expectedSendAt: at(7 * DAY), reason: 'scheduled' as const },
  });

  it('never gives up before the expected send: code 4, empty list and waiting all mean "not yet"', () => {
    for (const answer of [held(DAY, [], true), held(DAY, []), held(DAY, [r('Waiting')])]) {
      expect(decide(policy, answer)).toEqual({ kind: 'continue', nextPollAt: at(DAY + 4 * HOUR) });
    }
  });

  it('a held message is due exactly when the hold lifts', () => {
    expect(decide(policy, held(2 * DAY - HOUR, [], true))).toEqual({
      kind: 'continue',
      nextPollAt: at(2 * DAY),
    });
  });

  it('a scheduled message is not polled again before its time', () => {
    expect(decide(policy, scheduled(0, [], true))).toEqual({
      kind: 'continue',
      nextPollAt: at(7 * DAY),
    });
  });

  it('the grace period and the window count from the expected send', () => {
    expect(decide(policy, held(2 * DAY + 29 * MINUTE, [], true)).kind).toBe('continue');
    expect(decide(policy, held(2 * DAY + 30 * MINUTE, [], true))).toEqual({ kind: 'not-found' });
    const waiting = [r('Delivered', 2 * DAY), r('Waiting', 2 * DAY)];
    expect(decide(policy, held(49 * HOUR, waiting)).kind).toBe('continue');
    expect(decide(policy, held(2 * DAY + 47 * HOUR, waiting)).kind).toBe('continue');
    expect(decide(policy, held(2 * DAY + 48 * HOUR, waiting)).kind).toBe('expired');
  });

  it('statuses past waiting before the expected send put the message on the fresh schedule at once', () => {
    const early = [r('Delivered', 10 * MINUTE), r('Waiting', 10 * MINUTE)];
    expect(decide(policy, held(5 * HOUR, early))).toEqual({
      kind: 'continue',
      nextPollAt: at(5 * HOUR + MINUTE),
      leftEarlyAt: at(5 * HOUR),
    });
  });

  it('tells waiting statuses from ones that show the mail left', () => {
    expect(['Waiting', ' pending ', 'QUEUED', '', 'en attente'].map(hasLeft)).toEqual([
      false,
      false,
      false,
      false,
      false,
    ]);
    expect(['Delivered', 'sent', 'Bounced', 'SPAM_COMPLAINT'].map(hasLeft)).toEqual([
      true,
      true,
      true,
      true,
    ]);
  });
});

describe('lifecycle policy: final once final', () => {
  it('a complaint after a delivery keeps the recipient final, so the message completes', () => {
    const delivered = r('Delivered', 0, 'a@x.fr');
    const complained = { ...r('SPAM_COMPLAINT', 10 * MINUTE, 'a@x.fr'), sequence: 2 };
    const carried = carryFinal(policy, new Map([['a', delivered]]), new Map([['a', complained]]));
    const state = carried.get('a');
    expect(state?.finalAt).toBe(delivered.statusAt);
    expect(decide(policy, view(2 * HOUR, [state as RecipientState])).kind).toBe('completed');
    // Without the carried mark the complaint would be pending until the window ends.
    expect(decide(policy, view(2 * HOUR, [complained])).kind).toBe('continue');
  });

  it('keeps the mark through later changes and adds none to a recipient never final', () => {
    const marked = { ...r('SPAM_COMPLAINT', 0, 'a@x.fr'), finalAt: at(0).toISOString() };
    const later = r('Unsubscribed', MINUTE, 'a@x.fr');
    expect(
      carryFinal(policy, new Map([['a', marked]]), new Map([['a', later]])).get('a')?.finalAt,
    ).toBe(at(0).toISOString());
    const waiting = r('Waiting', 0, 'b@x.fr');
    const deferred = r('Deferred', MINUTE, 'b@x.fr');
    expect(
      carryFinal(policy, new Map([['b', waiting]]), new Map([['b', deferred]])).get('b')?.finalAt,
    ).toBeUndefined();
  });
});
