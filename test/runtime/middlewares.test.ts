/**
 * The shared middlewares in real middy() chains, with Powertools' real Metrics
 * and logMetrics: what they add, when, and what reaches the caller.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import { describe, expect, it, vi } from 'vitest';
import { rejectUnfixable } from '../../runtime/middlewares/reject-unfixable.ts';
import { outcomeTally, syncMetrics } from '../../runtime/middlewares/sync-metrics.ts';
import type { MessageOutcome } from '../../shared/sync/sync-message.ts';

const context = { functionName: 'f', awsRequestId: 'r' } as unknown as Context;

function metrics() {
  const m = new Metrics({ namespace: 'Test', serviceName: 'test' });
  const added = vi.spyOn(m, 'addMetric');
  const flushed = vi.spyOn(m, 'publishStoredMetrics').mockImplementation(() => m);
  const singles: Metrics[] = [];
  const single = m.singleMetric.bind(m);
  vi.spyOn(m, 'singleMetric').mockImplementation(() => {
    const s = single();
    vi.spyOn(s, 'publishStoredMetrics').mockImplementation(() => s);
    singles.push(s);
    return s;
  });
  return { m, added, flushed, singles };
}

const quiet = () => new Logger({ serviceName: 'test', logLevel: 'SILENT' });

const summary = {
  startedAt: '2026-01-01T00:00:00.000Z',
  durationMs: 5,
  messagesDue: 3,
  messagesPolled: 3,
  unchanged: 1,
  changed: 1,
  changes: 2,
  eventsPublished: 2,
  eventsPending: 0,
  eventsRecovered: 1,
  skipped: 0,
  errors: { transient: 1 },
  lagMs: { mean: 10, max: 20 },
  stoppedBy: null,
};

describe('syncMetrics', () => {
  it('maps a cycle summary to the catalogued metrics before logMetrics flushes them', async () => {
    const { m, added, flushed, singles } = metrics();
    const handler = middy(async () => summary)
      .use(logMetrics(m))
      .use(syncMetrics({ metrics: m }));
    expect(await handler({}, context)).toEqual(summary);
    expect(added.mock.calls).toEqual([
      ['MessagesPolled', 'Count', 3],
      ['StatusChanges', 'Count', 2],
      ['EventsPublished', 'Count', 3],
      ['EventsPending', 'Count', 0],
      ['MessagesSkipped', 'Count', 0],
      ['PublishLagMean', 'Milliseconds', 10],
      ['PublishLagMax', 'Milliseconds', 20],
    ]);
    expect(singles).toHaveLength(1);
    expect(flushed).toHaveBeenCalledTimes(1);
    const lastAdd = Math.max(...added.mock.invocationCallOrder);
    expect(flushed.mock.invocationCallOrder[0]).toBeGreaterThan(lastAdd);
  });

  it('publishes the outcomes gathered before the handler failed, once', async () => {
    const { m, added } = metrics();
    const tally = outcomeTally();
    const changed = {
      kind: 'changed',
      messageId: 'm-1',
      changes: 1,
      published: 1,
      pending: 0,
      recovered: 0,
      events: [],
    } as unknown as MessageOutcome;
    const handler = middy(async () => {
      tally.add(changed);
      throw new Error('boom');
    })
      .use(logMetrics(m))
      .use(syncMetrics({ metrics: m, figures: tally.take }));
    await expect(handler({}, context)).rejects.toThrow('boom');
    expect(added.mock.calls.map((c) => c[0])).toEqual([
      'MessagesPolled',
      'StatusChanges',
      'EventsPublished',
      'EventsPending',
    ]);
    expect(tally.take()).toEqual([]);
  });
});

class Unfixable extends Error {}

describe('rejectUnfixable', () => {
  const rejection = (error: unknown) =>
    error instanceof Unfixable
      ? { fields: { reason: error.message }, error: new Error(`rejected: ${error.message}`) }
      : null;

  it('settles an unfixable input with the response and logs it', async () => {
    const logger = quiet();
    const errors = vi.spyOn(logger, 'error');
    const handler = middy(async () => {
      throw new Unfixable('bad body');
    }).use(
      rejectUnfixable({ logger, message: 'dropped', level: 'error', settle: true, rejection }),
    );
    expect(await handler({}, context)).toBeNull();
    expect(errors).toHaveBeenCalledWith('dropped', { reason: 'bad body' });
  });

  it('rethrows the rejection in place of the error and counts it', async () => {
    const logger = quiet();
    const warns = vi.spyOn(logger, 'warn');
    const { m, added, flushed } = metrics();
    const handler = middy(async () => {
      throw new Unfixable('wrong shape');
    })
      .use(logMetrics(m))
      .use(
        rejectUnfixable({
          logger,
          message: 'rejected',
          rejection,
          count: { metrics: m, name: 'TrackRequestsRejected' },
        }),
      );
    await expect(handler({}, context)).rejects.toThrow('rejected: wrong shape');
    expect(warns).toHaveBeenCalledWith('rejected', { reason: 'wrong shape' });
    expect(added.mock.calls).toEqual([['TrackRequestsRejected', 'Count', 1]]);
    expect(flushed.mock.invocationCallOrder[0]).toBeGreaterThan(
      added.mock.invocationCallOrder[0] ?? 0,
    );
  });

  it('lets every other error through untouched, unlogged', async () => {
    const logger = quiet();
    const warns = vi.spyOn(logger, 'warn');
    const original = new Error('network down');
    const handler = middy(async () => {
      throw original;
    }).use(rejectUnfixable({ logger, rejection }));
    await expect(handler({}, context)).rejects.toBe(original);
    expect(warns).not.toHaveBeenCalled();
  });
});
