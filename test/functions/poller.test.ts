/** The poller handler as Lambda runs it: a real middy chain, engine over loopback. */
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import type { Context } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createHandler } from '../../functions/poller.ts';
import { type Harness, startHarness } from '../support/harness.ts';

let h: Harness;
beforeAll(async () => {
  h = await startHarness({ tableName: 'poller-test' });
});
afterAll(async () => {
  await h?.close();
});

const context = (remainingMs: number) =>
  ({
    functionName: 'poller',
    awsRequestId: 'req-1',
    getRemainingTimeInMillis: () => remainingMs,
  }) as unknown as Context;

describe('poller handler', () => {
  it('runs one cycle within the budget, emits metrics and returns the summary', async () => {
    for (let i = 0; i < 3; i++) {
      h.simulator.script(`p-${i}`, [
        {
          kind: 'ok',
          recipients: [
            { email: `u${i}@x.fr`, status: 'Delivered', date: Math.floor(h.now / 1000) - 30 },
          ],
        },
      ]);
      await h.store.track(`p-${i}`, {}, new Date(h.now - (3 - i) * 1000));
    }
    const metrics = new Metrics({ namespace: 'Test', serviceName: 'poller' });
    const added = vi.spyOn(metrics, 'addMetric');
    const handler = createHandler({
      syncDeps: () => h.deps(),
      concurrency: 2,
      budgetPerMinute: 2,
      logger: new Logger({ serviceName: 'test', logLevel: 'SILENT' }),
      metrics,
    });
    const summary = await handler({}, context(300_000));
    expect(summary).toMatchObject({
      messagesDue: 2,
      messagesPolled: 2,
      changes: 2,
      eventsPublished: 2,
    });
    expect(summary.lagMs?.max).toBeGreaterThanOrEqual(30_000);
    const names = added.mock.calls.map((c) => c[0]);
    expect(names).toEqual(
      expect.arrayContaining([
        'MessagesPolled',
        'StatusChanges',
        'EventsPublished',
        'PublishLagMax',
      ]),
    );
  });

  it('starts nothing when the Lambda deadline is already within the margin', async () => {
    const handler = createHandler({
      syncDeps: () => h.deps(),
      concurrency: 2,
      budgetPerMinute: 100,
      logger: new Logger({ serviceName: 'test', logLevel: 'SILENT' }),
      metrics: new Metrics({ namespace: 'Test', serviceName: 'poller' }),
    });
    const summary = await handler({}, context(1_000));
    expect(summary.messagesPolled).toBe(0);
    expect(summary.skipped).toBe(summary.messagesDue);
  });
});
