/** The "Schedule" section of bench/results.md: latency, misses, budget use and cost per load and policy. */
import { fixed, num, percent, table, duration as time } from './report.ts';
import { describeOverrides, TUNED_OVERRIDES } from './schedule.ts';
import {
  POLL_CONCURRENCY,
  POLLER_GB,
  SYNC_SECONDS,
  scheduleCost,
  TICK_SECONDS,
} from './schedule-cost.ts';
import type { ScheduleSummary } from './schedule-job.ts';

export function renderSchedule(s: readonly ScheduleSummary[]): string {
  const budget = s[0]?.budgetPerMinute ?? 0;
  const rows = s.map((x) => {
    const cost = scheduleCost(x);
    return [
      num(x.perDay),
      x.label,
      `${x.tickMs / 1000} s`,
      `${num(cost.providerRequestsPerDay)}${cost.atBudget ? ' (budget)' : ''}`,
      num(x.polls / x.perDay, 1),
      num(x.peakPerMinute),
      num(x.saturatedMinutes),
      fixed(x.maxPressure, 1),
      time(x.p50),
      time(x.p95Strict),
      time(x.earlyP50),
      time(x.earlyP95Strict),
      percent(x.earlyWithin2Min),
      `${percent(x.missedShare, 2)}`,
      num(cost.gbSecondsPerMonth),
      `$${fixed(cost.dollarsPerMonth, 2)}`,
    ];
  });
  return [
    '## 3. Schedule',
    '',
    'Virtual time, no HTTP (bench/schedule-sim.ts, pure; `npm run bench:schedule` prints the default and round-robin rows as JSON lines). ' +
      'Traffic: `generateTraffic` (timeScale 1: real provider delays, most reports within seconds, 12 % within 1 min–2 h, 3 % up to 48 h; opens, clicks, complaints, unsubscribes), ' +
      "1–5 recipients a message, send times uniform over 24 h, seed 1; each poll sees every recipient's timeline state at its tick.",
    '',
    `- **default**: the product's default scheduler (shared/schedule/, \`decide\` with \`policy.schedule\`, as \`loadConfig\` sets it) on the poller's 10 s ticks: at most ${num(budget)} polls in any 60 s (\`minuteAllowance\`, \`tickShare\`), the most overdue for their own interval first (\`priorityOf\`), the load pressure carried from tick to tick (\`nextPressure\`, \`underPressure\`), as \`pollMinute\` runs them.`,
    `- **fixed (before)**: the fixed backoff the scheduler replaced (\`POLL_SCHEDULER=fixed\`), one cycle a minute, oldest due first. **tuned**: the fixed backoff with ${describeOverrides(TUNED_OVERRIDES)}.`,
    '- **round-robin**: every tracked message polled in turn (a ring; a new message joins at the back) on the same 10 s ticks and budget, until 48 h old.',
    '',
    'How delays are counted: a change at time *a* is published by the first poll at or after *a*; its delay is that poll time minus *a*, in whole seconds rounded up. ' +
      "Every timeline event that changes a recipient's status or stopMail counts, first sight (Waiting) included. Changes after tracking ended are *missed* (never published); " +
      'the p95 columns count them as infinitely late ("∞"); "missed within 48 h" is the share of changes within 48 h of the send never published.',
    '',
    `Cost (single-poller mode; bench/schedule-cost.ts): provider requests a day are one day's polls (steady state: a day of sends makes every poll it will ever need), or the budget's ${num(budget * 1440)} a day when they are more ("(budget)": the one-day simulation lets the day's tail use budget that the next days' sends would share at a constant load, so its latency figures are optimistic there too). ` +
      `Lambda duration is modelled, as the simulation has no clock: ${SYNC_SECONDS} s a sync, ${POLL_CONCURRENCY} at once, ${TICK_SECONDS} s a tick for the due-index Query; ` +
      `one invocation a minute; the 10 s ticks keep the invocation for 50 s (it sleeps between ticks) plus the last tick's work, the 60 s cycle only for its work; ${POLLER_GB} GB (infra/single-poller.ts), 30 days, arm64 price. ` +
      'Fan-out (dispatcher + workers) polls at most once a minute a message and is not simulated here.',
    '',
    table(
      [
        'messages/day',
        'schedule',
        'tick',
        'provider requests/day',
        'simulated polls per message',
        'peak /60 s',
        'minutes at budget',
        'max pressure',
        'p50',
        'p95',
        'first-hour p50',
        'first-hour p95',
        'first hour ≤ 2 min',
        'missed within 48 h',
        'GB-s / month',
        'Lambda $ / month',
      ],
      rows,
    ),
    '',
    'How tracking ended (adaptive): ' +
      s
        .filter((x) => x.strategy === 'adaptive')
        .map(
          (x) =>
            `${num(x.perDay)}/day ${x.label}: ${Object.entries(x.ended)
              .map(([k, v]) => `${num(v)} ${k}`)
              .join(', ')}`,
        )
        .join('; ') +
      '. Expired: a recipient still pending at the end of the 48 h window (a slow report). Completed: every recipient final and fewer changes expected before the window ends than the scheduler waits for.',
    '',
  ].join('\n');
}
