/**
 * Realistic simulated traffic: messages whose recipients wait, then get delivered
 * (most) or rejected (a few) after a heavy-tailed delay, and later open, click,
 * unsubscribe or report spam. Deterministic for a seed, and each message draws
 * from its own stream so message i is the same however many are generated.
 */
import { createPrng, deriveSeed, type Prng } from './prng.ts';
import type { SimEvent, SimMessageTimeline, SimRecipientTimeline } from './timeline.ts';
import { buildTimeline } from './timeline.ts';

/** Options of `generate`. */
export interface TrafficOptions {
  /** Number of messages to create. */
  readonly count: number;
  /** Seed of the traffic model; same seed and options, same timelines. Default 1. */
  readonly seed?: number;
  /** Recipients per message, fixed or drawn uniformly in a range. Default 5. */
  readonly recipientsPerMessage?: number | { readonly min: number; readonly max: number };
  /** Send time of the first message, ms epoch. Default: the simulator clock now. */
  readonly sentAt?: number;
  /** Send times are spread uniformly over [sentAt, sentAt + spreadMs]. Default 0. */
  readonly spreadMs?: number;
  /** The provider answers code 4 for this long after each send. Default 0. */
  readonly notFoundForMs?: number;
  /**
   * Multiplies every delay, e.g. 0.001 turns the 48 h tail into about 3 min for a
   * live demo. Default 1 (real provider timings).
   */
  readonly timeScale?: number;
  /** Domain of generated addresses. Default 'example.com'. */
  readonly emailDomain?: string;
}

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
/** The provider's stated worst case for a delivery report. */
export const MAX_REPORT_DELAY_MS = 48 * HOUR;

const FIRST_NAMES = ['anna', 'bruno', 'chloe', 'david', 'emma', 'farid', 'hugo', 'ines', 'jules'];
const LAST_NAMES = [
  'martin',
  'bernard',
  'dubois',
  'thomas',
  'robert',
  'richard',
  'petit',
  'durand',
];
// Observed in third-party clients but not documented for mail: the poller must
// still turn them into generic status-change events.
const UNKNOWN_STATUSES = ['Deferred', 'SPAM_COMPLAINT'] as const;

/**
 * Builds the timelines of `messageIds.length` messages. Pure: the result depends
 * only on the arguments.
 */
export function generateTraffic(
  options: TrafficOptions,
  messageIds: readonly string[],
  defaultSentAt: number,
): SimMessageTimeline[] {
  const seed = options.seed ?? 1;
  const scale = options.timeScale ?? 1;
  const sentAt = options.sentAt ?? defaultSentAt;
  const spread = options.spreadMs ?? 0;
  const notFoundFor = options.notFoundForMs ?? 0;
  const domain = options.emailDomain ?? 'example.com';
  return messageIds.map((messageId, index) => {
    const prng = createPrng(deriveSeed(seed, index));
    const messageSentAt = sentAt + Math.floor(prng.next() * spread);
    const count = recipientCount(prng, options.recipientsPerMessage ?? 5);
    // Per-message cost, with a fractional case so clients must not assume integers.
    const cost = prng.pick([1, 1, 0.5, 0.012]);
    const recipients: SimRecipientTimeline[] = [];
    for (let j = 0; j < count; j++) {
      const previous = recipients[j - 1];
      // Now and then the same address appears twice with two tokens, which is why
      // the model keys recipients by email and token.
      const email =
        previous && prng.chance(0.01)
          ? previous.email
          : `${prng.pick(FIRST_NAMES)}.${prng.pick(LAST_NAMES)}${j + 1}@${domain}`;
      recipients.push({
        email,
        token: prng.hex(24),
        events: recipientEvents(prng, messageSentAt, cost, scale),
      });
    }
    return buildTimeline(messageId, recipients, {
      sentAt: messageSentAt,
      visibleAt: messageSentAt + notFoundFor,
    });
  });
}

function recipientCount(prng: Prng, spec: NonNullable<TrafficOptions['recipientsPerMessage']>) {
  const { min, max } = typeof spec === 'number' ? { min: spec, max: spec } : spec;
  if (!Number.isInteger(min) || !Number.isInteger(max) || min < 0 || max < min) {
    throw new RangeError(`recipientsPerMessage must be integers with 0 <= min <= max`);
  }
  return prng.int(min, max);
}

/** One recipient's life, from `Waiting` at send time onwards. */
function recipientEvents(prng: Prng, sentAt: number, cost: number, scale: number): SimEvent[] {
  const at = (delayMs: number) => sentAt + Math.round(delayMs * scale);
  const events: SimEvent[] = [{ atMs: sentAt, status: 'Waiting', cost, stopMail: false }];
  const reportDelay = deliveryReportDelay(prng);
  const outcome = prng.next();
  if (outcome < 0.04) {
    events.push({ atMs: at(reportDelay), status: 'Not delivered' });
    return events;
  }
  if (outcome < 0.08) {
    events.push({ atMs: at(reportDelay), status: 'Bounced' });
    return events;
  }
  let deliveredDelay = reportDelay;
  if (outcome < 0.1) {
    // A soft failure first: the operator retries and delivers later, still within 48 h.
    events.push({ atMs: at(reportDelay), status: UNKNOWN_STATUSES[0] });
    deliveredDelay = Math.min(MAX_REPORT_DELAY_MS, reportDelay + deliveryReportDelay(prng));
  }
  events.push({ atMs: at(deliveredDelay), status: 'Delivered' });

  let lastDelay = deliveredDelay;
  if (prng.chance(0.35)) {
    lastDelay += clampedLogNormal(prng, 20 * MINUTE, 1.5, 5 * SECOND, 72 * HOUR);
    events.push({ atMs: at(lastDelay), status: 'Opened' });
    if (prng.chance(0.3)) {
      lastDelay += clampedLogNormal(prng, 30 * SECOND, 1.5, SECOND, 2 * HOUR);
      events.push({ atMs: at(lastDelay), status: 'Clicked' });
    }
  }
  if (prng.chance(0.01)) {
    // A complaint also puts the address on the unsubscribe list.
    lastDelay += clampedLogNormal(prng, HOUR, 1.5, MINUTE, 72 * HOUR);
    events.push({ atMs: at(lastDelay), status: UNKNOWN_STATUSES[1], stopMail: true });
  } else if (prng.chance(0.03)) {
    lastDelay += clampedLogNormal(prng, 2 * HOUR, 1.5, MINUTE, 7 * 24 * HOUR);
    events.push({ atMs: at(lastDelay), stopMail: true });
  }
  return events;
}

/**
 * Delay before the delivery report, heavy-tailed: the provider says seconds on
 * average but up to 48 h. Most within seconds, some in minutes to hours, a few
 * near the 48 h ceiling.
 */
function deliveryReportDelay(prng: Prng): number {
  const u = prng.next();
  if (u < 0.85) return clampedLogNormal(prng, 3 * SECOND, 0.8, 200, 5 * MINUTE);
  if (u < 0.97) return prng.logUniform(MINUTE, 2 * HOUR);
  return prng.logUniform(2 * HOUR, MAX_REPORT_DELAY_MS);
}

function clampedLogNormal(prng: Prng, median: number, sigma: number, min: number, max: number) {
  return Math.min(max, Math.max(min, median * Math.exp(sigma * prng.normal())));
}
