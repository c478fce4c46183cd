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
import type { SendReason } from '../calendar/commercial-hold.ts';
import { classifyStatus, normalizeStatus } from '../diff/status.ts';
import type { RecipientState } from '../model.ts';
import {
  nextInterval,
  nothingMoreExpected,
  type ScheduledRecipient,
  type ScheduleSettings,
} from '../schedule/next-poll.ts';

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
   * Interval while a message is held by the provider's commercial hold (after
   * its scheduled time, before the hold lifts): a sanity check in case the hold
   * did not apply, a few polls a day. Default 4 h.
   */
  readonly heldIntervalMs: number;
  /**
   * Detail-types whose status counts as final: no further delivery status is
   * expected. Default: delivered, not delivered, opened, clicked (a recipient
   * that opened was delivered). `Waiting`, `Sent`, `Pending` and unknown
   * statuses are pending.
   */
  readonly finalTypes: ReadonlySet<string>;
  /**
   * The default scheduler (shared/schedule/next-poll.ts): when set, the next
   * poll of a found message and the completion of a settled one follow the
   * provider's delay distribution instead of the fixed backoff above
   * (`minIntervalMs`, `maxIntervalMs`, `backoffFactor`, `engagementWindowMs`,
   * `settledIntervalMs` are then unused). `loadConfig` sets it; absent from
   * `DEFAULT_POLICY`, which keeps the fixed backoff.
   */
  readonly schedule?: ScheduleSettings;
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
  heldIntervalMs: 4 * HOUR,
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
    'heldIntervalMs',
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

/**
 * Whether a recipient counts as final: its status is final, or it was final
 * once (`finalAt`). A complaint or an unsubscribe after a delivery keeps the
 * recipient final: no further delivery status is coming.
 */
export function isFinalRecipient(policy: LifecyclePolicy, r: RecipientState): boolean {
  return r.finalAt !== undefined || isFinal(policy, r.status);
}

/**
 * New recipient states with `finalAt` carried over: a recipient that was final
 * and now shows a non-final status (`SPAM_COMPLAINT` after `Delivered`) keeps
 * the time it first became final.
 */
export function carryFinal(
  policy: LifecyclePolicy,
  previous: ReadonlyMap<string, RecipientState>,
  changed: ReadonlyMap<string, RecipientState>,
): Map<string, RecipientState> {
  const out = new Map<string, RecipientState>();
  for (const [key, next] of changed) {
    const before = previous.get(key);
    const finalAt =
      before?.finalAt ?? (before && isFinal(policy, before.status) ? before.statusAt : undefined);
    out.set(
      key,
      finalAt !== undefined && next.finalAt === undefined && !isFinal(policy, next.status)
        ? { ...next, finalAt }
        : next,
    );
  }
  return out;
}

/**
 * Statuses that say the mail has not left yet. Anything else (`Delivered`,
 * `sent`, a bounce, an unknown word) means the provider sent it.
 */
const WAITING_STATUSES: ReadonlySet<string> = new Set([
  '',
  'waiting',
  'pending',
  'queued',
  'scheduled',
  'paused',
  'on hold',
  'held',
  'en attente',
  'planifie',
  'planifié',
]);

/** Whether `status` shows the mail left the provider (anything past waiting). */
export function hasLeft(status: string): boolean {
  return !WAITING_STATUSES.has(normalizeStatus(status));
}

/** What a poll found, as the lifecycle needs it. */
export interface PollView {
  readonly now: Date;
  readonly trackedAt: Date;
  /**
   * When the mail is expected to leave (scheduled send, commercial hold), and
   * why; absent for messages sent when tracked.
   */
  readonly send?: {
    readonly sendAt: Date | null;
    readonly expectedSendAt: Date;
    readonly reason: SendReason;
  };
  /** All recipients' committed states after this poll (empty while never found). */
  readonly recipients: Iterable<RecipientState>;
  /** True when the provider answered "message not found" (code 4). */
  readonly notFound: boolean;
}

export type Decision =
  | {
      readonly kind: 'continue';
      readonly nextPollAt: Date;
      /**
       * Set when recipients showed statuses past waiting before the expected
       * send time (the hold did not apply): the message left, and its lifecycle
       * now counts from this poll. The caller stores it as the expected send.
       */
      readonly leftEarlyAt?: Date;
    }
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
 *
 * Before the expected send time a message is never given up: code 4, an empty
 * list and waiting recipients all mean "not yet". A scheduled message is next
 * due at its scheduled time; a held one a few times a day (`heldIntervalMs`),
 * and exactly when the hold lifts.
 */
export function decide(policy: LifecyclePolicy, view: PollView): Decision {
  const now = view.now.getTime();
  const all = [...view.recipients];

  const send = view.send;
  let expected = send?.expectedSendAt.getTime() ?? view.trackedAt.getTime();
  let leftEarly = false;
  if (send && now < expected) {
    if (!all.some((r) => hasLeft(r.status))) {
      const scheduled = send.sendAt?.getTime() ?? Number.NEGATIVE_INFINITY;
      const next = now < scheduled ? scheduled : now + policy.heldIntervalMs;
      return { kind: 'continue', nextPollAt: new Date(Math.min(next, expected)) };
    }
    // The hold did not apply: the mail left, and the lifecycle starts now.
    expected = now;
    leftEarly = true;
  }

  // The clocks (grace period, window, quiet time) start at the expected send, never before tracking.
  const start = Math.max(view.trackedAt.getTime(), expected);
  const age = now - start;
  const poll = (nextPollAt: number): Decision => ({
    kind: 'continue',
    nextPollAt: new Date(nextPollAt),
    ...(leftEarly ? { leftEarlyAt: view.now } : {}),
  });
  if (all.length === 0) {
    if (age >= policy.notFoundGraceMs && view.notFound) return { kind: 'not-found' };
    if (age >= policy.trackingWindowMs) return { kind: 'expired', counts: {}, pending: [] };
    return poll(now + policy.notFoundIntervalMs);
  }

  const pending = all.filter((r) => !isFinalRecipient(policy, r));
  const counts = countByStatus(all);
  const lastChange = Math.max(start, ...all.map((r) => Date.parse(r.statusAt)));

  const windowEnd = start + policy.trackingWindowMs;
  const scheduler = policy.schedule;
  if (scheduler) {
    // The default scheduler: poll when the next change is due, complete when none is expected.
    const model = scheduledRecipients(all);
    if (pending.length === 0 && nothingMoreExpected(scheduler, model, now, windowEnd, start)) {
      return { kind: 'completed', counts };
    }
    if (age >= policy.trackingWindowMs) return { kind: 'expired', counts, pending };
    return poll(Math.min(now + nextInterval(scheduler, model, now, start), windowEnd));
  }
  if (pending.length === 0) {
    // Settled: the last recipient reached its final status at `lastChange`.
    if (now - lastChange >= policy.engagementWindowMs || age >= policy.trackingWindowMs) {
      return { kind: 'completed', counts };
    }
    return poll(now + policy.settledIntervalMs);
  }
  if (age >= policy.trackingWindowMs) return { kind: 'expired', counts, pending };

  const quiet = Math.max(0, now - lastChange);
  const interval = Math.min(
    policy.maxIntervalMs,
    Math.max(policy.minIntervalMs, quiet * policy.backoffFactor),
  );
  // Never schedule past the end of the window: the expiry poll happens on time.
  return poll(Math.min(now + interval, windowEnd));
}

function scheduledRecipients(all: readonly RecipientState[]): ScheduledRecipient[] {
  return all.map((r) => ({
    status: r.status,
    stopMail: r.stopMail,
    statusAtMs: Date.parse(r.statusAt),
  }));
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
