/**
 * Several sync cycles inside one scheduled invocation: a tick every `tickMs`
 * until `runForMs` have passed (EventBridge's schedule floor is one minute;
 * fresh sends want polls every few seconds). Each tick spends at most what the
 * sliding-minute budget allows and lists a few times that many candidates so
 * the highest-priority ones go first; the load pressure carried in `state`
 * stretches the default scheduler's intervals when demand exceeds the budget.
 */

import type { SyncDeps } from '../ports.ts';
import { minuteAllowance, pruneSpent, type Spent, tickShare } from '../schedule/minute-budget.ts';
import { nextPressure, underPressure } from '../schedule/pressure.ts';
import { type CycleOptions, type CycleSummary, runCycle } from './sync-cycle.ts';

/** What the loop keeps between ticks (and between warm invocations, if the caller keeps it). */
export interface MinuteState {
  spent: Spent[];
  pressure: number;
}

export function newMinuteState(): MinuteState {
  return { spent: [], pressure: 1 };
}

export interface MinuteOptions extends Omit<CycleOptions, 'limit' | 'candidates'> {
  readonly budgetPerMinute: number;
  /** Default 10 s. */
  readonly tickMs?: number;
  /** Start no tick after this long. Default 50 s, so the next invocation starts on a quiet minute. */
  readonly runForMs?: number;
  readonly sleep: (ms: number) => Promise<void>;
  readonly state?: MinuteState;
}

/** Runs the ticks; returns each tick's summary (outcomes included). */
export async function pollMinute(deps: SyncDeps, options: MinuteOptions): Promise<CycleSummary[]> {
  const tickMs = options.tickMs ?? 10_000;
  const runFor = options.runForMs ?? 50_000;
  const state = options.state ?? newMinuteState();
  const budget = options.budgetPerMinute;
  const share = tickShare(budget, tickMs);
  const perTick = (budget * tickMs) / 60_000;
  const begin = deps.clock().getTime();
  const summaries: CycleSummary[] = [];
  for (let tick = 0; ; tick++) {
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
    const wait = begin + (tick + 1) * tickMs - deps.clock().getTime();
    if (wait > 0) await options.sleep(wait);
  }
  return summaries;
}
