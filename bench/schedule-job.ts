/**
 * One schedule simulation job: generate a day of traffic, run the strategies on
 * it, summarise. Runs inside a worker thread (see `schedule.ts`); pure apart
 * from reading the time it took.
 */
import { deriveSeed } from '../local/simulator/prng.ts';
import { generateTraffic } from '../local/simulator/traffic.ts';
import { type LifecyclePolicy, lifecyclePolicy } from '../shared/lifecycle/policy.ts';
import { DEFAULT_SCHEDULE } from '../shared/schedule/next-poll.ts';
import { simulateSchedule } from './schedule-sim.ts';
import { type CompactTraffic, CompactTrafficBuilder } from './schedule-traffic.ts';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
/** Messages generated per `generateTraffic` call, each call with its own seed. */
const CHUNK = 10_000;
/** The simulated day starts at midnight UTC on a Monday. */
export const SIM_DAY0 = Date.parse('2026-03-02T00:00:00Z');

/** A strategy as plain data (workers receive structured clones). */
export type StrategySpec =
  | {
      readonly kind: 'adaptive';
      readonly policyName: string;
      readonly overrides: Partial<LifecyclePolicy>;
      /** What-if: settled messages back off too (see `withSettledBackoff`). */
      readonly settledBackoff?: boolean;
      /** The default scheduler (shared/schedule/next-poll.ts), as `loadConfig` sets it. */
      readonly scheduler?: boolean;
      /** Scheduler tick. Default 60 s. */
      readonly tickMs?: number;
    }
  | { readonly kind: 'round-robin'; readonly maxAgeMs: number; readonly tickMs?: number };

export interface ScheduleJob {
  readonly perDay: number;
  readonly seed: number;
  readonly budgetPerMinute: number;
  readonly recipients: { readonly min: number; readonly max: number };
  readonly strategies: readonly StrategySpec[];
}

export interface ScheduleSummary {
  readonly perDay: number;
  readonly label: string;
  readonly strategy: StrategySpec['kind'];
  readonly budgetPerMinute: number;
  readonly polls: number;
  readonly peakPerMinute: number;
  readonly saturatedMinutes: number;
  readonly maxWaiting: number;
  readonly changes: number;
  readonly earlyChanges: number;
  readonly missed: number;
  readonly earlyMissed: number;
  /** Delays in seconds (rounded up) over the changes seen. */
  readonly p50: number;
  readonly p95: number;
  readonly earlyP50: number;
  readonly earlyP95: number;
  /** First-hour p95 counting changes never seen as infinitely late (null when Infinity). */
  readonly earlyP95Strict: number | null;
  /** Share of first-hour changes seen within 2 minutes, out of all of them (missed included). */
  readonly earlyWithin2Min: number;
  readonly ended: Readonly<Record<string, number>>;
  /** Share of the changes within 48 h of the send never published. */
  readonly missedShare: number;
  /** p95 of all changes, those never seen counted as infinitely late (null when Infinity). */
  readonly p95Strict: number | null;
  readonly maxPressure: number;
  readonly tickMs: number;
  readonly simMs: number;
}

/** A day of traffic: `perDay` messages sent uniformly over 24 h, real provider delays. */
export function dayOfTraffic(
  job: Pick<ScheduleJob, 'perDay' | 'seed' | 'recipients'>,
): CompactTraffic {
  const builder = new CompactTrafficBuilder();
  for (let chunk = 0; chunk * CHUNK < job.perDay; chunk++) {
    const count = Math.min(CHUNK, job.perDay - chunk * CHUNK);
    const ids = Array.from({ length: count }, (_, i) => String(chunk * CHUNK + i + 1));
    builder.add(
      generateTraffic(
        {
          count,
          seed: deriveSeed(job.seed, chunk),
          recipientsPerMessage: job.recipients,
          sentAt: SIM_DAY0,
          spreadMs: DAY,
          timeScale: 1,
        },
        ids,
        SIM_DAY0,
      ),
    );
  }
  return builder.build();
}

export function runScheduleJob(job: ScheduleJob): ScheduleSummary[] {
  const traffic = dayOfTraffic(job);
  return job.strategies.map((spec) => {
    const started = performance.now();
    const result = simulateSchedule(traffic, {
      strategy:
        spec.kind === 'adaptive'
          ? {
              kind: 'adaptive',
              policy: lifecyclePolicy({
                ...spec.overrides,
                ...(spec.scheduler ? { schedule: DEFAULT_SCHEDULE } : {}),
              }),
              settledBackoff: spec.settledBackoff ?? false,
            }
          : spec,
      budgetPerMinute: job.budgetPerMinute,
      tickMs: spec.tickMs ?? MINUTE,
      startMs: SIM_DAY0,
    });
    const all = result.delays.quantile(0.95, result.missed);
    const strict = result.earlyDelays.quantile(0.95, result.earlyMissed);
    return {
      perDay: job.perDay,
      label: spec.kind === 'adaptive' ? spec.policyName : 'round-robin',
      strategy: spec.kind,
      budgetPerMinute: job.budgetPerMinute,
      polls: result.polls,
      peakPerMinute: result.peakPerMinute,
      saturatedMinutes: result.saturatedMinutes,
      maxWaiting: result.maxWaiting,
      changes: result.changes,
      earlyChanges: result.earlyChanges,
      missed: result.missed,
      earlyMissed: result.earlyMissed,
      p50: result.delays.quantile(0.5),
      p95: result.delays.quantile(0.95),
      earlyP50: result.earlyDelays.quantile(0.5),
      earlyP95: result.earlyDelays.quantile(0.95),
      earlyP95Strict: Number.isFinite(strict) ? strict : null,
      earlyWithin2Min: result.earlyDelays.shareAtMost(120, result.earlyMissed),
      ended: result.ended,
      missedShare: result.missedIn48h / result.changesIn48h,
      p95Strict: Number.isFinite(all) ? all : null,
      maxPressure: result.maxPressure,
      tickMs: spec.tickMs ?? MINUTE,
      simMs: performance.now() - started,
    };
  });
}
