/**
 * Section 3, schedule: the virtual-time simulation of 1,000, 10,000 and 100,000
 * messages a day, the product's adaptive policy (default and tuned) against
 * fixed-interval round-robin within the same budget. Jobs run in two worker
 * threads (the simulation is CPU-bound and pure), from a bundle so no
 * TypeScript loader slows the hot loop.
 */
import { Worker } from 'node:worker_threads';
import type { LifecyclePolicy } from '../shared/lifecycle/policy.ts';
import { bundle } from './bundle.ts';
import type { ScheduleJob, ScheduleSummary, StrategySpec } from './schedule-job.ts';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

/** MailPartner allows 2,000 requests a minute per IP; keep a margin for the user's own calls. */
export const DEFAULT_BUDGET = 1_800;

/**
 * The tuned setting: found by a small grid search at 100,000 messages a day
 * (settled interval 2-3 min, engagement window 30-60 min, backoff 0.1-0.3, max
 * interval 30-60 min). Poll settled messages every 2 min instead of 15, but for
 * 30 min after their last change instead of 60, and back off faster and further
 * while recipients are pending, which pays for it.
 */
export const TUNED_OVERRIDES: Partial<LifecyclePolicy> = {
  settledIntervalMs: 2 * MINUTE,
  engagementWindowMs: 30 * MINUTE,
  backoffFactor: 0.2,
  maxIntervalMs: HOUR,
};

/**
 * A what-if of a product change, not a setting: settled messages back off like
 * pending ones (`withSettledBackoff`), with these settings.
 */
export const WHAT_IF_OVERRIDES: Partial<LifecyclePolicy> = {
  backoffFactor: 0.2,
  maxIntervalMs: HOUR,
};

export function describeOverrides(overrides: Partial<LifecyclePolicy>): string {
  const parts: string[] = [];
  for (const [key, value] of Object.entries(overrides)) {
    if (typeof value !== 'number') continue;
    parts.push(key.endsWith('Ms') ? `${key} ${value / MINUTE} min` : `${key} ${value}`);
  }
  return parts.join(', ');
}

export interface ScheduleOptions {
  readonly sizes?: readonly number[];
  readonly budgetPerMinute?: number;
  readonly seed?: number;
  readonly threads?: number;
  /** Only the default scheduler and round-robin (what `npm run bench:schedule` prints). */
  readonly onlyDefaults?: boolean;
}

export async function measureSchedule(options: ScheduleOptions = {}): Promise<ScheduleSummary[]> {
  const sizes = options.sizes ?? [1_000, 10_000, 100_000];
  const budgetPerMinute = options.budgetPerMinute ?? DEFAULT_BUDGET;
  const seed = options.seed ?? 1;
  const base = { seed, budgetPerMinute, recipients: { min: 1, max: 5 } };
  const adaptive = (
    policyName: string,
    overrides: Partial<LifecyclePolicy>,
    settledBackoff = false,
  ): StrategySpec => ({ kind: 'adaptive', policyName, overrides, settledBackoff });
  const tickMs = 10_000;
  const roundRobin: StrategySpec = { kind: 'round-robin', maxAgeMs: 48 * HOUR, tickMs };
  const whatIf = adaptive('what-if: settled backoff', WHAT_IF_OVERRIDES, true);
  // The default scheduler on 10 s ticks (the poller's loop), against the fixed backoff it replaced.
  const scheduler: StrategySpec = {
    kind: 'adaptive',
    policyName: 'default',
    overrides: {},
    scheduler: true,
    tickMs,
  };
  const strategies = options.onlyDefaults
    ? [scheduler, roundRobin]
    : [scheduler, adaptive('fixed (before)', {}), adaptive('tuned', TUNED_OVERRIDES), roundRobin];
  const largest = Math.max(...sizes);

  // Largest first, split so two threads finish together; the what-if only at the largest size.
  const jobs: ScheduleJob[] = [];
  for (const perDay of [...sizes].sort((a, b) => b - a)) {
    if (perDay === largest && perDay >= 50_000) {
      // One strategy a job: the 100,000/day runs are the long ones.
      for (const st of strategies) jobs.push({ ...base, perDay, strategies: [st] });
    } else jobs.push({ ...base, perDay, strategies });
  }
  const worker = await bundle('bench/schedule-worker.ts', 'schedule-worker.mjs', {
    minify: false,
  });
  const results: ScheduleSummary[][] = new Array(jobs.length);
  let next = 0;
  const lane = async () => {
    while (next < jobs.length) {
      const index = next++;
      results[index] = await runWorker(worker, jobs[index] as ScheduleJob);
    }
  };
  await Promise.all(Array.from({ length: options.threads ?? 2 }, lane));
  void whatIf;
  const order = (s: ScheduleSummary) => strategies.findIndex((x) => labelOf(x) === s.label);
  return results.flat().sort((a, b) => a.perDay - b.perDay || order(a) - order(b));
}

function labelOf(spec: StrategySpec): string {
  return spec.kind === 'adaptive' ? spec.policyName : 'round-robin';
}

function runWorker(file: string, job: ScheduleJob): Promise<ScheduleSummary[]> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(file, { workerData: job });
    worker.once('message', (summaries: ScheduleSummary[]) => resolve(summaries));
    worker.once('error', reject);
    worker.once('exit', (code) => {
      if (code !== 0) reject(new Error(`schedule worker exited with code ${code}`));
    });
  });
}
