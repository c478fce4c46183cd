/**
 * Several sync cycles inside one scheduled invocation: a tick every `tickMs`
 * for `runForMs` (EventBridge's schedule floor is one minute; fresh sends want
 * polls every few seconds). Each tick spends at most what the sliding-minute
 * budget allows and lists a few times that many candidates so the
 * highest-priority ones go first; the load pressure carried in `state`
 * stretches the default scheduler's intervals when demand exceeds the budget.
 */

import type { ErrorKind } from '../errors.ts';
import type { SyncDeps } from '../ports.ts';
import { minuteAllowance, pruneSpent, type Spent, tickShare } from '../schedule/minute-budget.ts';
import { nextPressure, underPressure } from '../schedule/pressure.ts';
import { type CycleOptions, type CycleSummary, runCycle } from './sync-cycle.ts';

const MINUTE = 60_000;
const DEFAULT_TICK_MS = 10_000;

/** What the loop keeps between ticks, and between warm invocations when the caller keeps it. */
export interface MinuteState {
  spent: Spent[];
  pressure: number;
}

/** A state with nothing spent: for a caller that knows no other poller spent in the last minute. */
export function newMinuteState(): MinuteState {
  return { spent: [], pressure: 1 };
}

/**
 * The state for a poller that does not know what was spent before it (a cold
 * Lambda instance: the previous instance's record is gone). It assumes the
 * worst the previous once-a-minute invocation could have done, the whole
 * budget in its last ticks, `tickShare` a tick, so no 60 s holds more than the
 * budget across the two; the cost is a quiet first half-minute after a cold start.
 */
export function coldMinuteState(
  nowMs: number,
  budgetPerMinute: number,
  tickMs = DEFAULT_TICK_MS,
): MinuteState {
  const share = tickShare(budgetPerMinute, tickMs);
  const spent: Spent[] = [];
  let left = Math.floor(budgetPerMinute);
  for (let k = 1; left > 0 && k * tickMs < MINUTE; k++) {
    const count = Math.min(share, left);
    spent.push({ atMs: nowMs - k * tickMs, count });
    left -= count;
  }
  return { spent, pressure: 1 };
}

/**
 * The poller's minute from its setting `runSeconds` (POLL_RUN_SECONDS): 10 s
 * ticks for that long, seeded as a cold instance must be; or, with 0, one
 * cycle of the whole budget per invocation and no wait (the cheapest Lambda
 * bill: fresh messages are then polled once a minute, as the schedule fires).
 */
export function pollerMinute(
  runSeconds: number,
  budgetPerMinute: number,
  sleep: (ms: number) => Promise<void>,
  nowMs: number,
): Pick<MinuteOptions, 'sleep' | 'state' | 'tickMs' | 'runForMs'> {
  if (runSeconds <= 0) return { tickMs: MINUTE, runForMs: 0, state: newMinuteState() };
  return { sleep, runForMs: runSeconds * 1000, state: coldMinuteState(nowMs, budgetPerMinute) };
}

export interface MinuteOptions extends Omit<CycleOptions, 'limit' | 'candidates'> {
  readonly budgetPerMinute: number;
  /** Default 10 s. */
  readonly tickMs?: number;
  /**
   * Start no tick after this long. Default 50 s: with the last tick's work the
   * invocation ends before the next scheduled one starts.
   */
  readonly runForMs?: number;
  /**
   * Waits until the next tick (the poller passes a timer, tests a fake that
   * moves their clock). Without it one tick runs: a caller that cannot wait.
   */
  readonly sleep?: (ms: number) => Promise<void>;
  readonly state?: MinuteState;
}

/**
 * Runs the ticks; returns the summary of each tick that ran a cycle (outcomes
 * included). At most `runForMs / tickMs + 1` ticks, whatever the clock does.
 */
export async function pollMinute(deps: SyncDeps, options: MinuteOptions): Promise<CycleSummary[]> {
  const tickMs = options.tickMs ?? DEFAULT_TICK_MS;
  const runFor = options.runForMs ?? 50_000;
  const state = options.state ?? newMinuteState();
  const budget = options.budgetPerMinute;
  const share = tickShare(budget, tickMs);
  const perTick = (budget * tickMs) / MINUTE;
  const begin = deps.clock().getTime();
  const ticks = options.sleep ? Math.floor(runFor / tickMs) + 1 : 1;
  const summaries: CycleSummary[] = [];
  for (let tick = 0; tick < ticks; tick++) {
    const at = deps.clock().getTime();
    if (at - begin > runFor || (options.deadline !== undefined && at >= options.deadline)) break;
    state.spent = pruneSpent(state.spent, at);
    const allowed = Math.min(share, minuteAllowance(state.spent, at, budget));
    if (allowed > 0) {
      const schedule = deps.policy.schedule;
      const tickDeps: SyncDeps = schedule
        ? { ...deps, policy: { ...deps.policy, schedule: underPressure(schedule, state.pressure) } }
        : deps;
      const summary = await runCycle(tickDeps, {
        ...options,
        limit: allowed,
        candidates: 3 * allowed,
      });
      // Every started sync counts, failed or not: each made at least one provider request.
      state.spent.push({ atMs: at, count: summary.messagesPolled });
      state.pressure = nextPressure(state.pressure, summary.messagesDue, perTick);
      summaries.push(summary);
      if (summary.stoppedBy) break;
    }
    if (tick + 1 >= ticks) break;
    const wait = begin + (tick + 1) * tickMs - deps.clock().getTime();
    if (wait > 0) await options.sleep?.(wait);
  }
  return summaries;
}

/** One invocation's ticks as one summary (what the poller logs and its metrics read). */
export type MinuteSummary = Omit<CycleSummary, 'outcomes'> & {
  /** Ticks that ran a cycle. */
  readonly ticks: number;
};

/**
 * Sums the ticks' figures. `messagesDue` is the most listed in one tick (a
 * message due in two ticks is one message); the lag is weighted by each
 * tick's published recipient events, its max the largest.
 */
export function mergeTicks(
  startedAt: Date,
  endedAt: Date,
  ticks: readonly CycleSummary[],
): MinuteSummary {
  const errors: Partial<Record<ErrorKind, number>> = {};
  let lagSum = 0;
  let lagCount = 0;
  let lagMax = 0;
  const sum = (pick: (s: CycleSummary) => number) => ticks.reduce((n, s) => n + pick(s), 0);
  for (const t of ticks) {
    for (const [kind, n] of Object.entries(t.errors) as [ErrorKind, number][]) {
      errors[kind] = (errors[kind] ?? 0) + n;
    }
    if (t.lagMs) {
      const count = t.lagMs.count ?? 1;
      lagSum += t.lagMs.mean * count;
      lagCount += count;
      lagMax = Math.max(lagMax, t.lagMs.max);
    }
  }
  return {
    startedAt: startedAt.toISOString(),
    durationMs: endedAt.getTime() - startedAt.getTime(),
    messagesDue: Math.max(0, ...ticks.map((t) => t.messagesDue)),
    messagesPolled: sum((t) => t.messagesPolled),
    unchanged: sum((t) => t.unchanged),
    changed: sum((t) => t.changed),
    changes: sum((t) => t.changes),
    eventsPublished: sum((t) => t.eventsPublished),
    eventsPending: sum((t) => t.eventsPending),
    eventsRecovered: sum((t) => t.eventsRecovered),
    skipped: sum((t) => t.skipped),
    errors,
    lagMs:
      lagCount === 0 ? null : { mean: Math.round(lagSum / lagCount), max: lagMax, count: lagCount },
    stoppedBy: ticks.find((t) => t.stoppedBy)?.stoppedBy ?? null,
    ticks: ticks.length,
  };
}
