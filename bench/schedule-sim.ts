/**
 * Virtual-time simulation of the poll schedule: no HTTP, no clock, no I/O. A
 * scheduler fires every `tickMs` (10 s, the poller's ticks; 60 s for the fixed
 * backoff it replaced) and polls what the sliding-minute budget allows
 * (`minuteAllowance`, `tickShare`), the most overdue for their own interval
 * first (`priorityOf`), carrying the load pressure from tick to tick as the
 * poller does; each poll sees every recipient's state at the tick time,
 * computed from the traffic timelines.
 *
 * Two strategies, run on the same traffic:
 * - `adaptive`: the product's `decide(policy, view)` chooses the next poll time
 *   and when tracking ends, exactly as `syncMessage` calls it.
 * - `round-robin`: every tracked message polled in turn (a ring, new messages
 *   join at the back), at most once a tick, until it is `maxAgeMs` old.
 *
 * How a delay is counted: a timeline event at time `a` is seen by the first poll
 * of its message at a tick time `p >= a`; its delay is `p - a`. An event
 * overtaken before any poll (Waiting → Delivered within the same minute) is
 * counted as seen by the poll that shows the later status, with its own `a`.
 * Events after tracking ended are "missed" and not in the percentiles.
 */

import {
  carryFinal,
  type Decision,
  decide,
  isFinal,
  type LifecyclePolicy,
  type PollView,
} from '../shared/lifecycle/policy.ts';
import type { RecipientState } from '../shared/model.ts';
import { minuteAllowance, type Spent, tickShare } from '../shared/schedule/minute-budget.ts';
import { nextPressure, underPressure } from '../shared/schedule/pressure.ts';
import { priorityOf } from '../shared/schedule/priority.ts';
import { DelayHistogram } from './delay-histogram.ts';
import type { CompactTraffic } from './schedule-traffic.ts';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const WINDOW_48H = 48 * HOUR;

/** Which scheduler to simulate. */
export type Strategy =
  | {
      readonly kind: 'adaptive';
      readonly policy: LifecyclePolicy;
      /** What-if, not product behaviour: see {@link withSettledBackoff}. */
      readonly settledBackoff?: boolean;
    }
  | { readonly kind: 'round-robin'; readonly maxAgeMs: number };

/**
 * A what-if for the product's policy, not what it does today: once every
 * recipient is final, poll with the same quiet-time backoff as while pending
 * (bounded by `minIntervalMs` and `settledIntervalMs`) instead of every
 * `settledIntervalMs`. Opens and clicks cluster in the minutes after delivery,
 * so early polls find them quickly and later ones cost little.
 */
export function withSettledBackoff(
  policy: LifecyclePolicy,
  view: PollView,
  decision: Decision,
): Decision {
  if (decision.kind !== 'continue') return decision;
  const now = view.now.getTime();
  let lastChange = view.trackedAt.getTime();
  for (const r of view.recipients) {
    if (!isFinal(policy, r.status)) return decision;
    lastChange = Math.max(lastChange, Date.parse(r.statusAt));
  }
  const interval = Math.min(
    policy.settledIntervalMs,
    Math.max(policy.minIntervalMs, (now - lastChange) * policy.backoffFactor),
  );
  return { kind: 'continue', nextPollAt: new Date(now + interval) };
}

export interface SimOptions {
  readonly strategy: Strategy;
  /** Provider requests allowed per tick (minute). */
  readonly budgetPerMinute: number;
  /** Scheduler period. Default 60 s. */
  readonly tickMs?: number;
  /** Time of the first tick, ms epoch. Default: the earliest send time, rounded down to the tick. */
  readonly startMs?: number;
  /** Changes this soon after sending are "first hour" changes. Default 1 h. */
  readonly earlyWindowMs?: number;
}

export interface SimResult {
  readonly strategy: Strategy['kind'];
  readonly messages: number;
  /** Provider requests (one per poll). */
  readonly polls: number;
  /** Most polls in any 60 s (trailing minute at each tick). */
  readonly peakPerMinute: number;
  /** Highest load pressure the scheduler reached (1: never slowed down). */
  readonly maxPressure: number;
  /** Ticks that used the whole budget (due messages had to wait). */
  readonly saturatedMinutes: number;
  /**
   * Adaptive: most due messages left waiting after a tick. Round-robin: most
   * messages in the ring (each waits for all of them to be polled before its turn).
   */
  readonly maxWaiting: number;
  readonly ticks: number;
  /** Every change in the timelines (first sight included). */
  readonly changes: number;
  /** Changes within `earlyWindowMs` of sending. */
  readonly earlyChanges: number;
  readonly delays: DelayHistogram;
  readonly earlyDelays: DelayHistogram;
  /** Changes after tracking ended: never published. */
  readonly missed: number;
  /** Changes within 48 h of the send, and those of them never published. */
  readonly changesIn48h: number;
  readonly missedIn48h: number;
  readonly earlyMissed: number;
  /** How tracking ended, per kind (adaptive) or `window` (round-robin). */
  readonly ended: Readonly<Record<string, number>>;
}

/** Growable FIFO of message indexes. */
class Queue {
  #items = new Uint32Array(1024);
  #head = 0;
  #tail = 0;

  get length(): number {
    return this.#tail - this.#head;
  }

  push(value: number): void {
    if (this.#tail === this.#items.length) {
      const live = this.#items.subarray(this.#head, this.#tail);
      const next =
        this.length * 2 > this.#items.length
          ? new Uint32Array(this.#items.length * 2)
          : this.#items;
      next.set(live);
      this.#tail = live.length;
      this.#head = 0;
      this.#items = next;
    }
    this.#items[this.#tail++] = value;
  }

  shift(): number {
    return this.#items[this.#head++] as number;
  }
}

/**
 * Runs the simulation to the end (every message finished tracking). Pure: the
 * result depends only on the arguments.
 */
export function simulateSchedule(traffic: CompactTraffic, options: SimOptions): SimResult {
  const tickMs = options.tickMs ?? MINUTE;
  const earlyWindow = options.earlyWindowMs ?? HOUR;
  const budget = options.budgetPerMinute;
  if (!(budget >= 1) || !Number.isInteger(budget)) {
    throw new RangeError(`budgetPerMinute must be a positive integer, got ${budget}`);
  }
  const n = traffic.messageCount;
  const { sentAt, firstRecipient, firstEvent, eventAt, eventStatus, statuses } = traffic;
  const recipientCount = firstEvent.length - 1;
  let earliest = Number.POSITIVE_INFINITY;
  for (let m = 0; m < n; m++) earliest = Math.min(earliest, sentAt[m] as number);
  const start = options.startMs ?? Math.floor(earliest / tickMs) * tickMs;
  const tickOf = (ms: number) => Math.max(0, Math.ceil((ms - start) / tickMs));

  // Per recipient: next unseen event; the state object `decide` sees, rebuilt on change.
  const cursor = new Uint32Array(recipientCount);
  for (let r = 0; r < recipientCount; r++) cursor[r] = firstEvent[r] as number;
  const states: (RecipientState | undefined)[] = new Array(recipientCount);

  const delays = new DelayHistogram();
  const earlyDelays = new DelayHistogram();
  const ended: Record<string, number> = {};
  let changes = 0;
  let earlyChanges = 0;
  let changesIn48h = 0;
  for (let m = 0; m < n; m++) {
    for (let r = firstRecipient[m] as number; r < (firstRecipient[m + 1] as number); r++) {
      for (let e = firstEvent[r] as number; e < (firstEvent[r + 1] as number); e++) {
        changes += 1;
        if ((eventAt[e] as number) - (sentAt[m] as number) < earlyWindow) earlyChanges += 1;
        if ((eventAt[e] as number) - (sentAt[m] as number) <= WINDOW_48H) changesIn48h += 1;
      }
    }
  }

  // A recipient final once stays final (a complaint after a delivery), as `syncMessage` commits it.
  const finalPolicy = options.strategy.kind === 'adaptive' ? options.strategy.policy : null;

  /** Applies what a poll of message m at time t sees; returns its recipients' states. */
  const observe = (m: number, t: number): RecipientState[] => {
    const seen: RecipientState[] = [];
    const sent = sentAt[m] as number;
    for (let r = firstRecipient[m] as number; r < (firstRecipient[m + 1] as number); r++) {
      let c = cursor[r] as number;
      const end = firstEvent[r + 1] as number;
      const before = c;
      while (c < end && (eventAt[c] as number) <= t) {
        const at = eventAt[c] as number;
        delays.add(t - at);
        if (at - sent < earlyWindow) earlyDelays.add(t - at);
        c += 1;
      }
      cursor[r] = c;
      if (c !== before) {
        const last = c - 1;
        // The wire carries the status time in whole seconds.
        const statusAtMs = Math.floor((eventAt[last] as number) / 1000) * 1000;
        const next: RecipientState = {
          email: '',
          token: '',
          status: statuses[eventStatus[last] as number] as string,
          stopMail: false,
          cost: null,
          statusAt: new Date(statusAtMs).toISOString(),
          sequence: c - (firstEvent[r] as number),
          lastEventId: '',
        };
        const previous = states[r];
        states[r] =
          finalPolicy && previous
            ? (carryFinal(finalPolicy, new Map([['r', previous]]), new Map([['r', next]])).get(
                'r',
              ) ?? next)
            : next;
      }
      const state = states[r];
      if (state) seen.push(state);
    }
    return seen;
  };

  let missed = 0;
  let earlyMissed = 0;
  let missedIn48h = 0;
  const finish = (m: number, kind: string) => {
    ended[kind] = (ended[kind] ?? 0) + 1;
    const sent = sentAt[m] as number;
    for (let r = firstRecipient[m] as number; r < (firstRecipient[m + 1] as number); r++) {
      for (let c = cursor[r] as number; c < (firstEvent[r + 1] as number); c++) {
        missed += 1;
        if ((eventAt[c] as number) - sent < earlyWindow) earlyMissed += 1;
        if ((eventAt[c] as number) - sent <= WINDOW_48H) missedIn48h += 1;
      }
    }
  };

  // Messages in send order: they join the schedule at their send time.
  const bySend = Uint32Array.from({ length: n }, (_, i) => i).sort(
    (a, b) => (sentAt[a] as number) - (sentAt[b] as number) || a - b,
  );

  // Sliding-minute accounting, as the poller keeps it: no 60 s window over the budget.
  let spent: Spent[] = [];
  const share = tickShare(budget, tickMs);
  const allowance = (t: number) => {
    spent = spent.filter((s) => s.atMs > t - MINUTE);
    return Math.min(share, minuteAllowance(spent, t, budget));
  };
  const spend = (t: number, count: number) => {
    if (count > 0) spent.push({ atMs: t, count });
    let inMinute = 0;
    for (const s of spent) inMinute += s.count;
    peak = Math.max(peak, inMinute);
    if (inMinute >= budget) saturated += 1;
  };
  let polls = 0;
  let maxPressure = 1;
  let peak = 0;
  let saturated = 0;
  let maxWaiting = 0;
  let tick = 0;
  let admitted = 0;
  let active = 0;
  const queue = new Queue();

  if (options.strategy.kind === 'adaptive') {
    const policy = options.strategy.policy;
    const settledBackoff = options.strategy.settledBackoff ?? false;
    // buckets[k]: messages that become due during tick k (due in (tick k-1, tick k]).
    const buckets: number[][] = [];
    const dueAt = new Float64Array(n);
    const lastPoll = Float64Array.from(sentAt);
    // The poller's load adaptation: the pressure carried from tick to tick.
    let pressure = 1;
    const perTick = (budget * tickMs) / MINUTE;
    const schedule = (m: number, at: number, earliestTick: number) => {
      dueAt[m] = at;
      // Never into a tick already run (decide always looks ahead; this is a guard).
      const k = Math.max(tickOf(at), earliestTick);
      let bucket = buckets[k];
      if (!bucket) {
        bucket = [];
        buckets[k] = bucket;
      }
      bucket.push(m);
    };
    for (const m of bySend) schedule(m, sentAt[m] as number, 0);
    active = n;
    for (; active > 0; tick++) {
      const t = start + tick * tickMs;
      const bucket = buckets[tick];
      if (bucket) {
        // Oldest due first, as the due index lists them; earlier ticks' leftovers are older still.
        bucket.sort((a, b) => (dueAt[a] as number) - (dueAt[b] as number) || a - b);
        for (const m of bucket) queue.push(m);
        buckets[tick] = [];
      }
      const wanted = queue.length;
      const tickPolicy =
        policy.schedule && pressure > 1
          ? { ...policy, schedule: underPressure(policy.schedule, pressure) }
          : policy;
      const take = Math.min(allowance(t), queue.length);
      if (take < queue.length) {
        // More due than the budget allows: the most overdue for their interval first.
        const waiting: number[] = [];
        while (queue.length > 0) waiting.push(queue.shift());
        const score = waiting.map((m) => priorityOf(dueAt[m] as number, lastPoll[m] as number, t));
        const order = waiting
          .map((_, i) => i)
          .sort((a, b) => (score[b] as number) - (score[a] as number) || a - b);
        for (const i of order) queue.push(waiting[i] as number);
      }
      for (let i = 0; i < take; i++) {
        const m = queue.shift();
        lastPoll[m] = t;
        const view: PollView = {
          now: new Date(t),
          trackedAt: new Date(sentAt[m] as number),
          recipients: observe(m, t),
          notFound: false,
        };
        const decided = decide(tickPolicy, view);
        const decision = settledBackoff ? withSettledBackoff(policy, view, decided) : decided;
        if (decision.kind === 'continue') schedule(m, decision.nextPollAt.getTime(), tick + 1);
        else {
          finish(m, decision.kind);
          active -= 1;
        }
      }
      polls += take;
      spend(t, take);
      if (policy.schedule) pressure = nextPressure(pressure, wanted, perTick);
      maxPressure = Math.max(maxPressure, pressure);
      maxWaiting = Math.max(maxWaiting, queue.length);
    }
  } else {
    const maxAge = options.strategy.maxAgeMs;
    for (; admitted < n || queue.length > 0; tick++) {
      const t = start + tick * tickMs;
      while (admitted < n && (sentAt[bySend[admitted] as number] as number) <= t) {
        queue.push(bySend[admitted] as number);
        admitted += 1;
      }
      const take = Math.min(allowance(t), queue.length);
      for (let i = 0; i < take; i++) {
        const m = queue.shift();
        observe(m, t);
        // Polled until it is maxAge old: the last poll is the first one at or past it.
        if (t - (sentAt[m] as number) < maxAge) queue.push(m);
        else finish(m, 'window');
      }
      polls += take;
      spend(t, take);
      maxWaiting = Math.max(maxWaiting, queue.length);
    }
  }

  return {
    strategy: options.strategy.kind,
    messages: n,
    polls,
    peakPerMinute: peak,
    maxPressure,
    // Ticks whose trailing minute was at the budget, in minutes.
    saturatedMinutes: Math.round((saturated * tickMs) / MINUTE),
    maxWaiting,
    ticks: tick,
    changes,
    delays,
    earlyDelays,
    missed,
    earlyMissed,
    changesIn48h,
    missedIn48h,
    earlyChanges,
    ended,
  };
}
