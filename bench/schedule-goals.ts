/**
 * Issue 14's goals for the default scheduler (default settings, no tuning), per
 * load, with what limits a goal that is missed.
 */
import type { Goal } from './goals.ts';
import { duration, num, percent } from './report.ts';
import type { ScheduleSummary } from './schedule-job.ts';

/** Per load: first-hour p95 and all-changes p95 (s), share of changes within 48 h missed. */
export const SCHEDULE_GOALS: readonly {
  readonly perDay: number;
  readonly firstHourP95: number;
  readonly p95: number;
  readonly missed: number;
}[] = [
  { perDay: 1_000, firstHourP95: 30, p95: 300, missed: 0.005 },
  { perDay: 10_000, firstHourP95: 45, p95: 300, missed: 0.005 },
  { perDay: 100_000, firstHourP95: 120, p95: 600, missed: 0.005 },
];

/**
 * Why a first-hour p95 is out of reach at a load: to see 95 % of first-hour
 * changes within d seconds, each message in its first hour must be polled about
 * every d / 0.95 s (a change lands anywhere between two polls), and
 * perDay / 24 of them are in their first hour at any moment.
 */
export function firstHourLimit(perDay: number, goalSeconds: number, budget: number): string {
  const inFirstHour = perDay / 24; // messages sent within the last hour
  const needed = (inFirstHour * 60) / (goalSeconds / 0.95);
  return `${num(inFirstHour)} messages are in their first hour at any moment; polling each every ${num(goalSeconds / 0.95)} s alone needs about ${num(needed)} requests a minute${needed > budget ? `, over the ${num(budget)} budget` : ''}, before any older message is polled.`;
}

export function scheduleGoals(schedule: readonly ScheduleSummary[]): Goal[] {
  const goals: Goal[] = [];
  for (const g of SCHEDULE_GOALS) {
    const s = schedule.find((x) => x.perDay === g.perDay && x.label === 'default');
    if (!s) continue;
    const early = s.earlyP95Strict;
    const all = s.p95Strict;
    const earlyMet = early !== null && early <= g.firstHourP95;
    const allMet = all !== null && all <= g.p95;
    const missedMet = s.missedShare <= g.missed;
    const budgetMet = s.peakPerMinute <= s.budgetPerMinute;
    const limits: string[] = [];
    if (!earlyMet) {
      limits.push(`First-hour p95: ${firstHourLimit(g.perDay, g.firstHourP95, s.budgetPerMinute)}`);
    }
    if (!allMet)
      limits.push(
        `All-changes p95: the pressure reached ×${num(s.maxPressure, 1)}, stretching every interval.`,
      );
    if (!missedMet) limits.push('Missed: messages completed before late opens and clicks.');
    goals.push({
      goal: `Schedule (default), ${num(g.perDay)} messages/day: first-hour p95 ≤ ${duration(g.firstHourP95)}, p95 ≤ ${duration(g.p95)}, missed within 48 h ≤ ${percent(g.missed, 1)}, never above ${num(s.budgetPerMinute)}/min`,
      measured: `first-hour p95 ${duration(early)}, p95 ${duration(all)}, missed ${percent(s.missedShare, 2)}, peak ${num(s.peakPerMinute)} in any 60 s`,
      met: earlyMet && allMet && missedMet && budgetMet,
      note: limits.length
        ? limits.join(' ')
        : `Max pressure ×${num(s.maxPressure, 1)}; ${num(s.polls)} provider requests a day.`,
    });
  }
  return goals;
}
