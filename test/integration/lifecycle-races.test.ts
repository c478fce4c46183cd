/**
 * Two pollers on the same message while one of them ends its tracking: the
 * cases the fault-injection property test found (see docs/reliability.md),
 * replayed deterministically over loopback.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lifecyclePolicy } from '../../shared/lifecycle/policy.ts';
import type { EventPublisher, StatusProvider } from '../../shared/ports.ts';
import { runCycle } from '../../shared/sync/sync-cycle.ts';
import { syncMessage } from '../../shared/sync/sync-message.ts';
import { type Harness, startHarness } from '../support/harness.ts';

let h: Harness;
beforeAll(async () => {
  h = await startHarness({ tableName: 'races-test' });
});
afterAll(async () => {
  await h?.close();
});

const refuseAll: EventPublisher = {
  async publish(events) {
    return {
      accepted: [],
      failed: events.map((e) => ({
        eventId: e.detail.eventId,
        errorCode: 'InternalFailure',
        errorMessage: 'refused by the test',
      })),
    };
  },
};

describe('ending a message under concurrent pollers', () => {
  it('a poller with a stale view cannot end a message another poller just changed', async () => {
    const id = 'race-stale-end';
    const policy = lifecyclePolicy({ notFoundGraceMs: 0 });
    h.simulator.script(id, [
      { kind: 'ok', recipients: [{ email: 'a@x.fr', token: 'a', status: 'Waiting' }] },
      { kind: 'code', code: 4 },
    ]);
    await h.store.track(id, {}, new Date(h.now));
    h.now += 60_000;
    // A has loaded (no recipients yet); B syncs fully before A's poll answers code 4.
    const slow: StatusProvider = {
      async bulkStatus(messageId, options) {
        await syncMessage(h.deps({ policy }), messageId); // B commits a@x.fr
        return h.provider.bulkStatus(messageId, options); // A: code 4
      },
    };
    await syncMessage(h.deps({ provider: slow, policy }), id);
    const loaded = await h.store.load(id);
    expect(loaded?.recipients.size).toBe(1);
    expect(loaded?.message.state).toBe('active');
    const types = h.bus.events.filter((e) => e.detail.messageId === id).map((e) => e.detailType);
    expect(types).not.toContain('MessageNotFound');
  });

  it('a message is never retired with an event still in its outbox', async () => {
    const id = 'race-retire';
    const policy = lifecyclePolicy({ engagementWindowMs: 0 });
    h.simulator.script(id, [
      {
        kind: 'ok',
        recipients: [{ email: 'b@x.fr', token: 'b', status: 'Delivered', date: 1_700_000_000 }],
      },
    ]);
    await h.store.track(id, {}, new Date(h.now));
    h.now += 60_000;
    await syncMessage(h.deps({ publisher: refuseAll }), id); // outbox: [RecipientDelivered]
    h.now += 60_000;
    // A flushes it, decides "completed", writes the ending; its PutEvents of the ending fails.
    const aPublisher: EventPublisher = {
      publish: (events) =>
        events.some((e) => e.detailType === 'MessageTrackingCompleted')
          ? refuseAll.publish(events)
          : h.publisher.publish(events),
    };
    // B loaded together with A; its PutEvents answers after A is done, its markPublished reloads.
    let first = true;
    const bPublisher: EventPublisher = {
      async publish(events) {
        if (first) {
          first = false;
          await syncMessage(h.deps({ publisher: aPublisher, policy }), id);
        }
        return h.publisher.publish(events);
      },
    };
    await syncMessage(h.deps({ publisher: bPublisher, policy }), id);
    for (let i = 0; i < 3; i++) {
      h.now += 60_000;
      await runCycle(h.deps({ policy }), { force: true });
    }
    expect((await h.store.load(id))?.outbox).toEqual([]);
    const types = h.bus.events.filter((e) => e.detail.messageId === id).map((e) => e.detailType);
    expect(types).toContain('MessageTrackingCompleted');
  });
});
