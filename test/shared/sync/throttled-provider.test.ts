import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { RateLimitedError } from '../../../shared/mailpartner/errors.ts';
import type { BulkStatus } from '../../../shared/model.ts';
import { throttledProvider } from '../../../shared/sync/throttled-provider.ts';

const reply: BulkStatus = { messageId: 'm', recipients: [] };

describe('throttledProvider', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('spreads calls: at most perMinute/60 per second', async () => {
    const calls: number[] = [];
    const provider = throttledProvider(
      {
        bulkStatus: async () => {
          calls.push(Date.now());
          return reply;
        },
      },
      { perMinute: 120 },
    );
    const done = Promise.all(Array.from({ length: 6 }, (_, i) => provider.bulkStatus(`m${i}`)));
    await vi.advanceTimersByTimeAsync(5_000);
    await done;
    const start = calls[0] ?? 0;
    const perSecond = new Map<number, number>();
    for (const t of calls) {
      const s = Math.floor((t - start) / 1000);
      perSecond.set(s, (perSecond.get(s) ?? 0) + 1);
    }
    expect(calls).toHaveLength(6);
    expect(Math.max(...perSecond.values())).toBe(2);
  });

  it('after a 429 stops calling the provider until the pause ends', async () => {
    let now = 1_000_000;
    let calls = 0;
    const provider = throttledProvider(
      {
        bulkStatus: async () => {
          calls += 1;
          if (calls === 1) throw new RateLimitedError('slow down', { retryAfterMs: 10_000 });
          return reply;
        },
      },
      { perMinute: 6_000, clock: () => now },
    );
    const first = expect(provider.bulkStatus('a')).rejects.toThrow('slow down');
    await vi.advanceTimersByTimeAsync(10);
    await first;
    const second = provider.bulkStatus('b');
    await expect(second).rejects.toMatchObject({ kind: 'rate-limited' });
    expect(calls).toBe(1);
    now += 10_001;
    const third = provider.bulkStatus('c');
    await vi.advanceTimersByTimeAsync(1_000);
    await expect(third).resolves.toEqual(reply);
    expect(calls).toBe(2);
  });
});
