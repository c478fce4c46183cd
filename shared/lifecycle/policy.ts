/**
 * The tracking lifecycle as pure functions of (message, recipients, now): when
 * to poll next, and when tracking ends. No clock, no I/O.
 *
 * Why adaptive: MailPartner reports most statuses within seconds but some only
 * after up to 48 hours, and allows 2,000 requests a minute per IP. Polling every
 * message every minute spends that budget on quiet messages; polling a message
 * less often the longer it has been quiet keeps fresh messages fast and costs
 * a settled one a handful of requests.
 */
import { classifyStatus } from '../diff/status.ts';
import type { RecipientState } from '../model.ts';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

export interface LifecyclePolicy {
  /** Shortest interval between two polls of a message (the schedule's rate). Default 1 min. */
  readonly minIntervalMs: number;
  /** Longest interval while recipients are pending. Default 30 min. */
  readonly maxIntervalMs: number;
  /**
   * Interval = quiet time × this factor (bounded by min/max), where quiet time is
   * how long since the last status change (or since tracking started). Default 0.1:
   * quiet 10 min → every minute, quiet 2 h → every 12 min.
   */
  readonly backoffFactor: number;
  /** Tracking stops after this long, whatever the recipients' state. Default 48 h. */
  readonly trackingWindowMs: number;
  /**
   * After every recipient reached a final status, keep polling this long for
   * opens and clicks before announcing completion. Default 1 h.
   */
  readonly engagementWindowMs: number;
  /** Interval while waiting out the engagement window. Default 15 min. */
  readonly settledIntervalMs: number;
  /** A message the provider still does not know after this long is given up. Default 30 min. */
  readonly notFoundGraceMs: number;
  /** Interval while the provider does not know the message yet. Default 1 min. */
  readonly notFoundIntervalMs: number;
  /**
   * Detail-types whose status counts as final: no further delivery status is
   * expected. Default: delivered, not delivered, opened, clicked (a recipient
   * that opened was delivered). `Waiting`, `Sent`, `Pending` and unknown
   * statuses are pending.
   */
  readonly finalTypes: ReadonlySet<string>;
}

export const DEFAULT_POLICY: LifecyclePolicy = {
  minIntervalMs: MINUTE,
  maxIntervalMs: 30 * MINUTE,
  backoffFactor: 0.1,
  trackingWindowMs: 48 * HOUR,
  engagementWindowMs: HOUR,
  settledIntervalMs: 15 * MINUTE,
  notFoundGraceMs: 30 * MINUTE,
  notFoundIntervalMs: MINUTE,
  finalTypes: new Set([
    'RecipientDelivered',
    'RecipientNotDelivered',
    'RecipientOpened',
    'RecipientClicked',
  ]),
};

/** Builds a policy from partial settings, checking they make sense. */
export function lifecyclePolicy(overrides: Partial<LifecyclePolicy> = {}): LifecyclePolicy {
  const p = { ...DEFAULT_POLICY, ...overrides };
  const positive = [
    'minIntervalMs',
    'maxIntervalMs',
    'trackingWindowMs',
    'settledIntervalMs',
    'notFoundIntervalMs',
  ] as const;
  for (const name of positive) {
    if (!(p[name] > 0)) throw new RangeError(`lifecycle ${name} must be > 0, got ${p[name]}`);
  }
  if (p.maxIntervalMs < p.minIntervalMs) {
    throw new RangeError('lifecycle maxIntervalMs must be >= minIntervalMs');
  }
  if (!(p.backoffFactor >= 0) || !(p.engagementWindowMs >= 0) || !(p.notFoundGraceMs >= 0)) {
    throw new RangeError('lifecycle backoffFactor and windows must be >= 0');
  }
  return p;
}

export function isFinal(policy: LifecyclePolicy, status: string): boolean {
  return policy.finalTypes.has(classifyStatus(status));
}

/** What a poll found, as the lifecycle needs it. */
export interface PollView {
  readonly now: Date;
  readonly trackedAt: Date;
  /** All recipients' committed states after this poll (empty while never found). */
  readonly recipients: Iterable<RecipientState>;
  /** True when the provider answered "message not found" (code 4). */
  readonly notFound: boolean;
}

export type Decision =
  | { readonly kind: 'continue'; readonly nextPollAt: Date }
  | { readonly kind: 'completed'; readonly counts: Record<string, number> }
  | {
      readonly kind: 'expired';
      readonly counts: Record<string, number>;
      readonly pending: readonly RecipientState[];
    }
  | { readonly kind: 'not-found' };

/**
 * Decides what happens to a message after a poll: poll again (and when), or
 * stop tracking because it completed, expired, or never appeared.
 */
export function decide(policy: LifecyclePolicy, view: PollView): Decision {
  const now = view.now.getTime();
  const age = now - view.trackedAt.getTime();
  const all = [...view.recipients];
  const at = (ms: number) => new Date(now + ms);

  if (all.length === 0) {
    if (age >= policy.notFoundGraceMs && view.notFound) return { kind: 'not-found' };
    if (age >= policy.trackingWindowMs) return { kind: 'expired', counts: {}, pending: [] };
    return { kind: 'continue', nextPollAt: at(policy.notFoundIntervalMs) };
  }

  const pending = all.filter((r) => !isFinal(policy, r.status));
  const counts = countByStatus(all);
  const lastChange = Math.max(view.trackedAt.getTime(), ...all.map((r) => Date.parse(r.statusAt)));

  if (pending.length === 0) {
    // Settled: the last recipient reached its final status at `lastChange`.
    if (now - lastChange >= policy.engagementWindowMs || age >= policy.trackingWindowMs) {
      return { kind: 'completed', counts };
    }
    return { kind: 'continue', nextPollAt: at(policy.settledIntervalMs) };
  }
  if (age >= policy.trackingWindowMs) return { kind: 'expired', counts, pending };

  const quiet = Math.max(0, now - lastChange);
  const interval = Math.min(
    policy.maxIntervalMs,
    Math.max(policy.minIntervalMs, quiet * policy.backoffFactor),
  );
  // Never schedule past the end of the window: the expiry poll happens on time.
  const windowEnd = view.trackedAt.getTime() + policy.trackingWindowMs;
  return { kind: 'continue', nextPollAt: new Date(Math.min(now + interval, windowEnd)) };
}

/**
 * Recipients per raw status, e.g. `{ Delivered: 480, Bounced: 20 }`. Statuses
 * are provider strings: counted in a Map and turned into own data properties
 * (fromEntries), so `constructor`, `toString` or `__proto__` are plain keys
 * that neither read an inherited member nor set the prototype.
 */
export function countByStatus(recipients: Iterable<RecipientState>): Record<string, number> {
  const counts = new Map<string, number>();
  for (const r of recipients) counts.set(r.status, (counts.get(r.status) ?? 0) + 1);
  return Object.fromEntries(counts);
}
