/**
 * Load adaptation: how much slower than its most eager setting the scheduler
 * polls, from how much of the budget the last ticks needed. Pure: the caller
 * (the poller, the simulation) keeps the current value between ticks.
 *
 * Why: at 1,000 messages a day the budget allows polling each fresh message
 * every few seconds, at 100,000 it allows a small fraction of that. Multiplying
 * `changesPerPoll` by the pressure stretches every interval alike, so the
 * budget is spent where changes are expected at any load, and a quiet hour
 * brings the pressure back down to 1 (the eager schedule).
 */
import type { ScheduleSettings } from './next-poll.ts';

/** Settings of the controller. */
export interface PressureSettings {
  /** Share of the budget the scheduler aims to use. Default 0.6: headroom for bursts. */
  readonly targetUse: number;
  /** Step per tick, up or down (multiplicative). Default 1.05. */
  readonly step: number;
  /** Largest pressure. Default 64. */
  readonly max: number;
}

export const DEFAULT_PRESSURE: PressureSettings = { targetUse: 0.6, step: 1.05, max: 64 };

/**
 * The pressure after a tick that found `wanted` messages due (polled or left
 * waiting) when the budget per tick is `perTick`: up a step when demand is
 * above the target, down a step when well below, never under 1.
 */
export function nextPressure(
  current: number,
  wanted: number,
  perTick: number,
  settings: PressureSettings = DEFAULT_PRESSURE,
): number {
  const use = wanted / Math.max(1, perTick);
  let p = Number.isFinite(current) && current >= 1 ? current : 1;
  if (use > settings.targetUse) p *= settings.step;
  else if (use < 0.75 * settings.targetUse) p /= settings.step;
  return Math.min(settings.max, Math.max(1, p));
}

/** The schedule with its eagerness divided by the pressure. */
export function underPressure(s: ScheduleSettings, pressure: number): ScheduleSettings {
  const p = Math.max(1, pressure);
  return p === 1 ? s : { ...s, changesPerPoll: s.changesPerPoll * p };
}
