/**
 * The second half of the shared rate limit, inside each worker: a provider that
 * makes at most `perMinute` requests a minute (p-throttle), and that stops
 * asking altogether for a while after MailPartner answers 429.
 *
 * Why this holds across workers: the worker function's reserved concurrency
 * caps how many workers exist at once (N), and each gets budget / N a minute,
 * so all of them together stay under the budget, retries and redeliveries
 * included. With the defaults (budget 1,800/min, N = 5) each worker may make
 * 360 requests a minute, 6 a second, well above what one worker can use on
 * sequential ~200 ms polls (≈ 300/min), so the throttle only bites in bursts.
 */
import pThrottle from 'p-throttle';
import type { StatusProvider } from '../ports.ts';
import { classifyError } from './error-kind.ts';
import { ProviderPausedError } from './errors.ts';

export interface ThrottleOptions {
  /** Requests this worker may make per minute. */
  readonly perMinute: number;
  /** Pause after a 429 that says nothing of when to retry (default 30 s). */
  readonly defaultPauseMs?: number;
  readonly clock?: () => number;
}

export function throttledProvider(inner: StatusProvider, options: ThrottleOptions): StatusProvider {
  const clock = options.clock ?? Date.now;
  const limit = Math.max(1, Math.floor(options.perMinute));
  // Spread over the minute rather than a burst of `limit` at its start.
  const throttle = pThrottle({ limit: Math.max(1, Math.ceil(limit / 60)), interval: 1_000 });
  const call = throttle((messageId: string, signal?: AbortSignal) =>
    inner.bulkStatus(messageId, signal ? { signal } : {}),
  );
  let pausedUntil = 0;
  return {
    async bulkStatus(messageId, callOptions) {
      if (clock() < pausedUntil) throw new ProviderPausedError(pausedUntil);
      try {
        return await call(messageId, callOptions?.signal);
      } catch (error) {
        if (classifyError(error) === 'rate-limited') {
          const after = (error as { retryAfterMs?: number }).retryAfterMs;
          pausedUntil = clock() + (after ?? options.defaultPauseMs ?? 30_000);
        }
        throw error;
      }
    },
  };
}
