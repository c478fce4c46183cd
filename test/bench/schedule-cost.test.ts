import { describe, expect, it } from 'vitest';
import { scheduleCost } from '../../bench/schedule-cost.ts';
import { firstHourLimit } from '../../bench/schedule-goals.ts';

describe('bench: schedule cost model', () => {
  it('bills the 10 s ticks for 50 s a minute plus work, a one-minute cycle for its work only', () => {
    const ticking = scheduleCost({ polls: 14_400, tickMs: 10_000, budgetPerMinute: 1_800 });
    const once = scheduleCost({ polls: 14_400, tickMs: 60_000, budgetPerMinute: 1_800 });
    // 10 polls a minute: 10 × 0.2 s / 8 = 0.25 s of syncs; 0.05 s a tick for the due index.
    expect(once.billedSecondsPerDay).toBeCloseTo(1_440 * 0.3, 6);
    expect(ticking.billedSecondsPerDay).toBeCloseTo(1_440 * (50 + (0.25 + 0.3) / 6), 6);
    expect(ticking.gbSecondsPerMonth).toBeCloseTo(ticking.billedSecondsPerDay * 30 * 0.5, 6);
  });

  it('counts no more requests a day than the budget allows', () => {
    const c = scheduleCost({ polls: 5_000_000, tickMs: 10_000, budgetPerMinute: 1_800 });
    expect(c).toMatchObject({ providerRequestsPerDay: 2_592_000, atBudget: true });
  });

  it('names the budget as the limit of a first-hour goal out of reach', () => {
    expect(firstHourLimit(100_000, 120, 1_800)).toContain('over the 1,800 budget');
    expect(firstHourLimit(1_000, 30, 1_800)).not.toContain('over the');
  });
});
