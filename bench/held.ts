/**
 * What a held or scheduled send costs: virtual time, no HTTP, the product's own
 * `planSend` and `decide`. Each case is one message of two recipients that the
 * provider answers with code 4 ("not yet") until the mail leaves, then delivered
 * 30 s and 40 s later and one open 20 min later. Counted: provider requests
 * before the mail leaves and until tracking ends, how it ends, and the delay of
 * the first delivery event; next to the lifecycle without a send plan (before
 * issue 10), which gave such a message up after 30 minutes of code 4.
 */
import { planSend } from '../shared/calendar/commercial-hold.ts';
import {
  carryFinal,
  decide,
  type LifecyclePolicy,
  lifecyclePolicy,
} from '../shared/lifecycle/policy.ts';
import type { RecipientState } from '../shared/model.ts';
import { DEFAULT_SCHEDULE } from '../shared/schedule/next-poll.ts';

const SECOND = 1_000;
const MINUTE = 60 * SECOND;

export interface HeldCase {
  readonly name: string;
  /** Tracking time (= the send request), ISO 8601. */
  readonly trackedAt: string;
  /** Scheduled send time, ISO 8601, for a `--send-at` case. */
  readonly sendAt?: string;
}

export const HELD_CASES: readonly HeldCase[] = [
  { name: 'weekday 10:00 (not held)', trackedAt: '2026-12-02T09:00:00Z' },
  { name: 'Friday 21:00 → Saturday 08:00', trackedAt: '2026-12-04T20:00:00Z' },
  { name: 'Sunday 11:00 → Monday 08:00', trackedAt: '2026-12-06T10:00:00Z' },
  { name: 'Saturday 20:30 → Tuesday 08:00 (Easter)', trackedAt: '2027-03-27T19:30:00Z' },
  {
    name: '--send-at one week ahead',
    trackedAt: '2026-12-01T09:00:00Z',
    sendAt: '2026-12-08T09:30:00Z',
  },
];

export interface HeldFigures {
  readonly name: string;
  readonly heldHours: number;
  readonly requestsBeforeSend: number;
  readonly requestsTotal: number;
  readonly ending: string;
  /** Seconds from the first delivery to its event; null when never published. */
  readonly firstEventDelaySeconds: number | null;
}

export interface HeldResult {
  readonly withPlan: readonly HeldFigures[];
  readonly withoutPlan: readonly HeldFigures[];
  /** With the send plan, on the fixed backoff (`POLL_SCHEDULER=fixed`), for comparison. */
  readonly fixed: readonly HeldFigures[];
}

function recipientsAt(leaves: number, t: number): RecipientState[] {
  const timeline = [
    {
      email: 'a',
      events: [
        [leaves + 30 * SECOND, 'Delivered'],
        [leaves + 20 * MINUTE, 'Opened'],
      ],
    },
    { email: 'b', events: [[leaves + 40 * SECOND, 'Delivered']] },
  ] as const;
  const out: RecipientState[] = [];
  for (const r of timeline) {
    const seen = r.events.filter(([at]) => at <= t);
    const last = seen.at(-1);
    if (!last) continue;
    out.push({
      email: r.email,
      token: '',
      status: last[1],
      stopMail: false,
      cost: 1,
      statusAt: new Date(last[0]).toISOString(),
      sequence: seen.length,
      lastEventId: '',
    });
  }
  return out;
}

function simulate(
  c: HeldCase,
  policy: LifecyclePolicy,
  withPlan: boolean,
  tickMs: number,
): HeldFigures {
  const trackedAt = Date.parse(c.trackedAt);
  const sendAt = c.sendAt ? new Date(c.sendAt) : null;
  const plan = planSend({ trackedAt: new Date(trackedAt), sendAt, commercialHold: true });
  const leaves = Date.parse(plan.expectedSendAt);
  let states = new Map<string, RecipientState>();
  let due = trackedAt;
  let before = 0;
  let total = 0;
  let firstEvent: number | null = null;
  let ending = 'still tracked after 14 days';
  for (let t = trackedAt; t < trackedAt + 14 * 24 * 60 * MINUTE; t += tickMs) {
    if (t < due) continue;
    total += 1;
    if (t < leaves) before += 1;
    const seen = recipientsAt(leaves, t);
    const next = new Map(seen.map((r) => [r.email, r]));
    states = new Map([...states, ...carryFinal(policy, states, next)]);
    if (firstEvent === null && seen.some((r) => r.status === 'Delivered')) firstEvent = t;
    const decision = decide(policy, {
      now: new Date(t),
      trackedAt: new Date(trackedAt),
      ...(withPlan
        ? {
            send: {
              sendAt,
              expectedSendAt: new Date(plan.expectedSendAt),
              reason: plan.reason,
            },
          }
        : {}),
      recipients: states.values(),
      notFound: t < leaves,
    });
    if (decision.kind !== 'continue') {
      ending = decision.kind;
      break;
    }
    // The poller looks on its ticks: every 10 s (the default scheduler) or on the minute.
    due = Math.ceil(decision.nextPollAt.getTime() / tickMs) * tickMs;
  }
  return {
    name: c.name,
    heldHours: Math.round(((leaves - trackedAt) / 3_600_000) * 10) / 10,
    requestsBeforeSend: before,
    requestsTotal: total,
    ending,
    firstEventDelaySeconds:
      firstEvent === null ? null : (firstEvent - (leaves + 30 * SECOND)) / 1000,
  };
}

/**
 * Runs every case with and without the send plan; by default with the default
 * scheduler on 10 s ticks, as `loadConfig` and the poller run it (`fixed`: the
 * fixed backoff on the minute, `POLL_SCHEDULER=fixed`).
 */
export function measureHeld(scheduler: 'default' | 'fixed' = 'default'): HeldResult {
  const policy =
    scheduler === 'default' ? lifecyclePolicy({ schedule: DEFAULT_SCHEDULE }) : lifecyclePolicy();
  const tickMs = scheduler === 'default' ? 10 * SECOND : MINUTE;
  return {
    withPlan: HELD_CASES.map((c) => simulate(c, policy, true, tickMs)),
    withoutPlan: HELD_CASES.map((c) => simulate(c, policy, false, tickMs)),
    fixed: HELD_CASES.map((c) => simulate(c, lifecyclePolicy(), true, MINUTE)),
  };
}
