/** One schedule result in the format of issue 14 (`npm run bench:schedule`). */
import { scheduleCost } from './schedule-cost.ts';
import type { ScheduleSummary } from './schedule-job.ts';

export function scheduleLine(s: ScheduleSummary) {
  const cost = scheduleCost(s);
  return {
    section: 'schedule',
    policy: s.label,
    messagesPerDay: s.perDay,
    budgetPerMinute: s.budgetPerMinute,
    peakPerMinute: s.peakPerMinute,
    // Changes never published count as infinitely late (null: beyond every seen delay).
    firstHourP95Seconds: s.earlyP95Strict,
    p95Seconds: s.p95Strict,
    missedShare: Number(s.missedShare.toFixed(5)),
    providerRequests: s.polls,
    // Cost (bench/schedule-cost.ts): steady-state requests a day, modelled poller duration.
    providerRequestsPerDay: cost.providerRequestsPerDay,
    gbSecondsPerMonth: Math.round(cost.gbSecondsPerMonth),
  };
}
