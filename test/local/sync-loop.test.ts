/**
 * `npm start`'s loop keeps the demo's fast lifecycle to the demo's messages:
 * a message the user tracks follows the real settings in the same table.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSyncLoop } from '../../local/sync-loop.ts';
import { lifecyclePolicy } from '../../shared/lifecycle/policy.ts';
import { trackMessage } from '../../shared/sync/track-message.ts';
import { type Harness, startHarness } from '../support/harness.ts';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(() => h?.close());

describe('startSyncLoop', () => {
  it('ends a demo message on the demo rules, not a message of the user', async () => {
    // Neither is known to the provider (code 4): the demo gives up after 1 s, the real policy after 30 min.
    for (const id of ['demo-1', 'user-1']) await trackMessage(h, id, {}, new Date(h.now));
    h.now += 120_000;
    const lines: string[] = [];
    let rounds = 0;
    const loop = startSyncLoop({
      base: {
        provider: h.provider,
        store: h.store,
        publisher: h.publisher,
        clock: () => new Date(h.now),
      },
      isDemo: (id) => id.startsWith('demo-'),
      demoPolicy: lifecyclePolicy({ notFoundGraceMs: 1_000, minIntervalMs: 1_000 }),
      userPolicy: lifecyclePolicy(),
      intervalMs: 60_000,
      say: (line) => lines.push(line),
      afterCycle: async () => {
        rounds += 1;
      },
      onFatal: () => lines.push('fatal'),
    });
    await loop.stop();
    expect(rounds).toBe(1);
    expect((await h.store.load('demo-1'))?.message.state).toBe('not-found');
    expect((await h.store.load('user-1'))?.message.state).toBe('active');
    expect(lines).toContainEqual(expect.stringMatching(/^cycle: 1\/1 message\(s\) polled/));
    expect(lines).toContainEqual(expect.stringMatching(/^yours: cycle: 1\/1 message\(s\) polled/));
    expect(lines).not.toContain('fatal');
  });
});
