/**
 * Random fault injection for timeline-driven replies: the transient failures a
 * poller meets in production (throttling, proxy errors, HTML pages, cut bodies,
 * slow answers, dropped connections), drawn from a seeded stream so a failing
 * run can be replayed.
 */
import { createPrng } from './prng.ts';
import { type ScriptedReply, slow } from './replies.ts';

/** Per-request probabilities of each fault; they must add up to at most 1. */
export interface FaultOptions {
  /** Default 1. */
  readonly seed?: number;
  /** Throttling: half as HTTP 429, half as `{success:false, code:429}` (the provider lists both). */
  readonly rate429?: number;
  /** HTTP 500, 502, 503 or 504 with an HTML page. */
  readonly rate5xx?: number;
  /** HTTP 200 with an HTML page. */
  readonly rateHtml?: number;
  /** The real reply, cut in the middle. */
  readonly rateTruncated?: number;
  /** The real reply, after `slowMs`. */
  readonly rateSlow?: number;
  /**
   * Delay of slow replies, real ms. Default 12 000: longer than the 10 s timeout of
   * the provider's own samples, so a well-configured client gives up first.
   */
  readonly slowMs?: number;
  /** The real reply's headers and half its body, then the connection drops. */
  readonly rateReset?: number;
}

/** The faults `setFaults` can inject. */
export type FaultKind = '429' | '5xx' | 'html' | 'truncated' | 'slow' | 'reset';

/** Decides, request after request, whether the real reply is replaced by a fault. */
export interface FaultInjector {
  apply(real: ScriptedReply): { reply: ScriptedReply; fault: FaultKind | null };
}

/** Creates an injector; throws RangeError on rates outside [0, 1] or adding up beyond 1. */
export function createFaultInjector(options: FaultOptions): FaultInjector {
  const rates: Array<[FaultKind, number]> = [
    ['429', options.rate429 ?? 0],
    ['5xx', options.rate5xx ?? 0],
    ['html', options.rateHtml ?? 0],
    ['truncated', options.rateTruncated ?? 0],
    ['slow', options.rateSlow ?? 0],
    ['reset', options.rateReset ?? 0],
  ];
  let total = 0;
  for (const [kind, rate] of rates) {
    if (!(rate >= 0 && rate <= 1)) throw new RangeError(`fault rate for ${kind} must be in [0, 1]`);
    total += rate;
  }
  // A little slack for rates such as 0.1 + 0.2 that do not add up exactly in binary.
  if (total > 1 + 1e-9) throw new RangeError(`fault rates add up to ${total}, more than 1`);
  const slowMs = options.slowMs ?? 12_000;
  const prng = createPrng(options.seed ?? 1);

  return {
    apply(real) {
      // With no fault configured, draw nothing: the stream stays untouched.
      if (total === 0) return { reply: real, fault: null };
      let u = prng.next();
      for (const [kind, rate] of rates) {
        if (u < rate) return { reply: faultReply(kind, real), fault: kind };
        u -= rate;
      }
      return { reply: real, fault: null };
    },
  };

  function faultReply(kind: FaultKind, real: ScriptedReply): ScriptedReply {
    switch (kind) {
      case '429':
        return prng.chance(0.5)
          ? { kind: 'http', status: 429, body: 'Too Many Requests', contentType: 'text/plain' }
          : { kind: 'code', code: 429 };
      case '5xx':
        return { kind: 'http', status: prng.pick([500, 502, 503, 504]) };
      case 'html':
        return { kind: 'html' };
      case 'truncated':
        return { kind: 'truncated', of: real };
      case 'slow':
        return slow(slowMs, real);
      case 'reset':
        return { kind: 'reset', of: real };
    }
  }
}
