import { describe, expect, it } from 'vitest';
import { HELD_CASES, measureHeld } from '../../bench/held.ts';

describe('bench: held and scheduled sends', () => {
  const result = measureHeld();

  it('every held or scheduled case completes, its first event 30 s after the delivery', () => {
    expect(result.withPlan.map((f) => f.ending)).toEqual(HELD_CASES.map(() => 'completed'));
    for (const f of result.withPlan) expect(f.firstEventDelaySeconds).toBe(30);
  });

  it('a held message costs a few requests a day; a scheduled one a single check', () => {
    const [weekday, friday, sunday, easter, scheduled] = result.withPlan;
    expect(weekday?.requestsBeforeSend).toBe(0);
    expect(friday?.requestsBeforeSend).toBe(3); // 11 h held, one check every 4 h
    expect(sunday?.requestsBeforeSend).toBe(6); // 21 h
    expect(easter?.requestsBeforeSend).toBe(15); // 58.5 h
    expect(scheduled?.requestsBeforeSend).toBe(1);
  });

  it('the default scheduler checks a held message as the fixed backoff did: every 4 h, due at its send', () => {
    const fixed = measureHeld('fixed');
    expect(result.withPlan.map((f) => f.requestsBeforeSend)).toEqual(
      fixed.withPlan.map((f) => f.requestsBeforeSend),
    );
    expect(fixed.withPlan.map((f) => f.firstEventDelaySeconds)).toEqual(HELD_CASES.map(() => 30));
  });

  it('without a send plan, every held case was given up after 30 minutes', () => {
    expect(result.withoutPlan.slice(1).map((f) => f.ending)).toEqual(
      HELD_CASES.slice(1).map(() => 'not-found'),
    );
  });
});
