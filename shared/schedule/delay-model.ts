/**
 * The provider's delay distribution, as hazard and survival functions: how
 * likely a recipient is to show another change soon, given its status and how
 * long it has been quiet. Pure math, no clock.
 *
 * Why a model: MailPartner says reports arrive "seconds after sending, up to 48
 * hours" and publishes nothing finer. The figures below are the ones the local
 * simulator draws from (local/simulator/traffic.ts), which is the project's
 * best description of that traffic: 85 % of delivery reports within seconds,
 * 12 % within 1 min–2 h, 3 % up to 48 h; a third of delivered recipients open,
 * a third of those click; a few complain or unsubscribe, hours later. The
 * scheduler only needs the shape (when changes cluster), not exact values.
 */
import { classifyStatus } from '../diff/status.ts';

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;

/** One possible next change: it happens with probability `weight`, after a delay drawn from `dist`. */
interface Component {
  readonly weight: number;
  readonly dist: Dist;
}

interface Dist {
  /** P(delay <= t). */
  cdf(t: number): number;
  /** Density at t, per ms. */
  pdf(t: number): number;
}

/** Complementary error function (Abramowitz & Stegun 7.1.26, error < 1.5e-7): enough for a schedule. */
function erfc(x: number): number {
  const z = Math.abs(x);
  const t = 1 / (1 + 0.3275911 * z);
  const poly =
    t *
    (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429))));
  const r = poly * Math.exp(-z * z);
  return x >= 0 ? r : 2 - r;
}

/** Log-normal delay with this median and log-sd, clamped to [min, max] as the model draws it. */
function logNormal(median: number, sigma: number, min: number, max: number): Dist {
  const cdfRaw = (t: number) => 0.5 * erfc(-Math.log(t / median) / (sigma * Math.SQRT2));
  return {
    cdf: (t) => (t < min ? 0 : t >= max ? 1 : cdfRaw(t)),
    pdf: (t) => {
      if (t < min || t >= max) return 0;
      const z = Math.log(t / median) / sigma;
      return Math.exp(-0.5 * z * z) / (t * sigma * Math.sqrt(2 * Math.PI));
    },
  };
}

/** Log-uniform delay on [a, b]. */
function logUniform(a: number, b: number): Dist {
  const span = Math.log(b / a);
  return {
    cdf: (t) => (t <= a ? 0 : t >= b ? 1 : Math.log(t / a) / span),
    pdf: (t) => (t < a || t > b ? 0 : 1 / (t * span)),
  };
}

/** Complaint (1 %) and unsubscribe (3 %), after any delivered state. */
const STOP: readonly Component[] = [
  { weight: 0.01, dist: logNormal(HOUR, 1.5, MINUTE, 72 * HOUR) },
  { weight: 0.03, dist: logNormal(2 * HOUR, 1.5, MINUTE, 7 * 24 * HOUR) },
];

/** What can still happen to a recipient, by where it is in its life. */
const NEXT: Readonly<
  Record<'pending' | 'delivered' | 'opened' | 'clicked' | 'done', readonly Component[]>
> = {
  pending: [
    { weight: 0.85, dist: logNormal(3 * SECOND, 0.8, 200, 5 * MINUTE) },
    { weight: 0.12, dist: logUniform(MINUTE, 2 * HOUR) },
    { weight: 0.03, dist: logUniform(2 * HOUR, 48 * HOUR) },
  ],
  delivered: [{ weight: 0.35, dist: logNormal(20 * MINUTE, 1.5, 5 * SECOND, 72 * HOUR) }, ...STOP],
  opened: [{ weight: 0.3, dist: logNormal(30 * SECOND, 1.5, SECOND, 2 * HOUR) }, ...STOP],
  clicked: STOP,
  done: [],
};

/** A recipient as the model needs it: its raw status and whether it unsubscribed. */
export interface ModelRecipient {
  readonly status: string;
  readonly stopMail: boolean;
}

function phaseOf(r: ModelRecipient): keyof typeof NEXT {
  if (r.stopMail) return 'done';
  switch (classifyStatus(r.status)) {
    case 'RecipientDelivered':
      return 'delivered';
    case 'RecipientOpened':
      return 'opened';
    case 'RecipientClicked':
      return 'clicked';
    case 'RecipientNotDelivered':
      return 'done';
    default:
      // Waiting, a soft failure (`Deferred`), a complaint or an unknown word: a
      // delivery report may still come, as the provider's 48 h promise says.
      return /complaint|spam/i.test(r.status) ? 'done' : 'pending';
  }
}

/**
 * Rate of the recipient's next change (per ms) after `quietMs` without one:
 * the sum of each possible change's density over the chance nothing has
 * happened yet. High right after a send, falling as the recipient stays quiet.
 */
export function changeHazard(r: ModelRecipient, quietMs: number): number {
  const t = Math.max(SECOND, quietMs);
  const phase = phaseOf(r);
  if (phase === 'pending') {
    // One delivery report, from one of the mixture's parts: condition on all of them together.
    let density = 0;
    let left = 1;
    for (const c of NEXT.pending) {
      density += c.weight * c.dist.pdf(t);
      left -= c.weight * c.dist.cdf(t);
    }
    return left > 1e-12 ? density / left : 0;
  }
  let h = 0;
  for (const c of NEXT[phase]) {
    const left = 1 - c.weight * c.dist.cdf(t);
    if (left > 1e-12) h += (c.weight * c.dist.pdf(t)) / left;
  }
  return h;
}

/**
 * Probability that the recipient shows another change within the next
 * `horizonMs`, after `quietMs` without one (components taken as independent).
 */
export function changeProbability(r: ModelRecipient, quietMs: number, horizonMs: number): number {
  const t = Math.max(0, quietMs);
  const phase = phaseOf(r);
  if (phase === 'pending') {
    let left = 1;
    let within = 0;
    for (const c of NEXT.pending) {
      left -= c.weight * c.dist.cdf(t);
      within += c.weight * (c.dist.cdf(t + Math.max(0, horizonMs)) - c.dist.cdf(t));
    }
    return left > 1e-12 ? Math.min(1, within / left) : 0;
  }
  let none = 1;
  for (const c of NEXT[phase]) {
    const left = 1 - c.weight * c.dist.cdf(t);
    if (left <= 1e-12) continue;
    const p = (c.weight * (c.dist.cdf(t + Math.max(0, horizonMs)) - c.dist.cdf(t))) / left;
    none *= 1 - Math.min(1, Math.max(0, p));
  }
  return 1 - none;
}
