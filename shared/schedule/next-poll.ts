/**
 * The default scheduler's two rules, pure and clock-free: how long to wait
 * before the next poll of a message, and whether waiting longer is still worth
 * it. Both read the provider's delay distribution (`delay-model.ts`) for each
 * recipient's status and quiet time.
 *
 * Why: a fixed backoff polls a fresh send as rarely as a settled one in its
 * first minute, and ends tracking an hour after delivery while a quarter of
 * opens and most unsubscribes are still to come. Polling when the expected
 * number of new changes reaches `changesPerPoll` polls fresh sends every few
 * seconds, delivered recipients (whose opens cluster in the first hour) every
 * minute or two, and quiet ones hours apart, for the same or fewer requests.
 */
import { changeHazard, changeProbability, type ModelRecipient } from './delay-model.ts';

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;

/** Settings of the default scheduler. */
export interface ScheduleSettings {
  /** Shortest interval between two polls of a message. Default 10 s. */
  readonly minIntervalMs: number;
  /** Longest interval while tracking. Default 3 h. */
  readonly maxIntervalMs: number;
  /**
   * Poll when this many new changes are expected since the last poll (summed
   * over the message's recipients). Lower: faster and dearer. Default 0.002.
   */
  readonly changesPerPoll: number;
  /**
   * Once every recipient is final, tracking completes when fewer changes than
   * this are expected before the tracking window ends. Default 0.005.
   */
  readonly endBelow: number;
  /**
   * How intervals follow the change rate: interval = 1 min × (changesPerPoll /
   * changes expected in a minute) ^ exponent. 1: inversely; 0.5: as its square
   * root, which spends a tight budget more evenly (a quiet message is stretched
   * less than by the rate alone, a busy one polled less eagerly). Default 0.5.
   */
  readonly exponent: number;
}

export const DEFAULT_SCHEDULE: ScheduleSettings = {
  minIntervalMs: 10 * SECOND,
  maxIntervalMs: 3 * HOUR,
  changesPerPoll: 0.002,
  endBelow: 0.005,
  exponent: 0.5,
};

/** Builds settings from partial ones, checking they make sense. */
export function scheduleSettings(overrides: Partial<ScheduleSettings> = {}): ScheduleSettings {
  const s = { ...DEFAULT_SCHEDULE, ...overrides };
  if (!(s.minIntervalMs > 0) || !(s.maxIntervalMs >= s.minIntervalMs)) {
    throw new RangeError('schedule intervals must be > 0 with maxIntervalMs >= minIntervalMs');
  }
  if (!(s.changesPerPoll > 0) || !(s.endBelow >= 0) || !(s.exponent > 0 && s.exponent <= 1)) {
    throw new RangeError('schedule changesPerPoll must be > 0, endBelow >= 0, exponent in (0, 1]');
  }
  return s;
}

/** A recipient as the rules read it: status, stopMail and the time of its status (ms epoch). */
export interface ScheduledRecipient extends ModelRecipient {
  readonly statusAtMs: number;
}

/**
 * Milliseconds until the next poll: `changesPerPoll` divided by the message's
 * change rate now (the sum of its recipients' hazards), within the bounds.
 * Quiet time counts from each recipient's status time, never before `startMs`
 * (the expected send).
 */
export function nextInterval(
  s: ScheduleSettings,
  recipients: Iterable<ScheduledRecipient>,
  nowMs: number,
  startMs: number,
): number {
  let rate = 0;
  for (const r of recipients) rate += changeHazard(r, nowMs - Math.max(startMs, r.statusAtMs));
  const interval =
    rate > 0 ? MINUTE * (s.changesPerPoll / (rate * MINUTE)) ** s.exponent : s.maxIntervalMs;
  return Math.min(s.maxIntervalMs, Math.max(s.minIntervalMs, interval));
}

/** Changes the message's recipients are expected to show between now and `untilMs`. */
export function expectedChanges(
  recipients: Iterable<ScheduledRecipient>,
  nowMs: number,
  untilMs: number,
  startMs: number,
): number {
  let sum = 0;
  for (const r of recipients) {
    sum += changeProbability(r, nowMs - Math.max(startMs, r.statusAtMs), untilMs - nowMs);
  }
  return sum;
}

/** Whether waiting until `untilMs` (the window's end) is unlikely to show anything more. */
export function nothingMoreExpected(
  s: ScheduleSettings,
  recipients: Iterable<ScheduledRecipient>,
  nowMs: number,
  untilMs: number,
  startMs: number,
): boolean {
  return untilMs <= nowMs || expectedChanges(recipients, nowMs, untilMs, startMs) < s.endBelow;
}
