/**
 * Several pollers on the same messages at the same time (overlapping Lambda
 * invocations, or `status-sync poll` run while the schedule fires), over a real
 * DynamoDB-API server (dynalite), the MailPartner simulator and the local
 * EventBridge endpoint: no change is lost and no poller commits a state older
 * than one already committed.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { ScriptedRecipient, ScriptedReply } from '../../local/simulator/server.ts';
import type { StatusProvider } from '../../shared/ports.ts';
import { runCycle } from '../../shared/sync/sync-cycle.ts';
import { syncMessage } from '../../shared/sync/sync-message.ts';
import { chainProblem, chainsOnBus, type Harness, startHarness } from '../support/harness.ts';

let h: Harness;
let counter = 0;
const newId = () => `conc-${++counter}`;

beforeAll(async () => {
  h = await startHarness({ tableName: 'concurrent-pollers' });
});
afterAll(async () => {
  await h?.close();
});
beforeEach(async () => {
  h.now += 3_600_000;
  // Each test polls only its own messages.
  for (const m of await h.store.listDue(new Date(h.now), { force: true })) {
    await h.store.untrack(m.messageId);
  }
  await runCycle(h.deps(), { force: true });
});

/** The provider's timeline: each recipient only ever moves forward along it. */
const TIMELINE = ['Waiting', 'Sent', 'Delivered', 'Opened', 'Clicked'] as const;
const STEPS = 8;
const EMAILS = Array.from({ length: 12 }, (_, i) => `p${i}@x.fr`);

/** Recipient i moves at its own pace; some unsubscribe near the end. */
function stateAt(i: number, step: number): { status: string; stopMail: boolean } {
  const index = Math.min(TIMELINE.length - 1, Math.floor((step * (1 + (i % 3))) / 3));
  return { status: TIMELINE[index] as string, stopMail: i % 4 === 0 && step >= STEPS - 2 };
}

function reply(step: number): ScriptedReply {
  const recipients: ScriptedRecipient[] = EMAILS.map((email, i) => ({
    email,
    token: `t${i}`,
    ...stateAt(i, step),
  }));
  return { kind: 'ok', recipients };
}

function mine(ids: readonly string[]) {
  return new Map(
    [...chainsOnBus(h.bus)].filter(([key]) => ids.some((id) => key.startsWith(`${id}|`))),
  );
}

describe('concurrent pollers over a real DynamoDB-API server', () => {
  it.each([2, 3, 4])(
    '%i pollers at once, round after round: nothing lost, nothing stale, final state reached',
    async (pollers) => {
      const ids = [newId(), newId(), newId()];
      for (const id of ids) {
        h.simulator.script(
          id,
          Array.from({ length: STEPS }, (_, step) => reply(step)),
        );
        await h.store.track(id, { pollers: String(pollers) }, new Date(h.now));
      }
      // Some PutEvents entries fail on the way, so outboxes carry over between pollers.
      h.bus.failNext({
        entries: { rate: 0.15, seed: pollers },
        errorCode: 'InternalFailure',
        times: 20,
      });

      const errors: Record<string, number> = {};
      for (let round = 0; round < STEPS; round++) {
        h.now += 60_000;
        const summaries = await Promise.all(
          Array.from({ length: pollers }, () =>
            runCycle(h.deps(), { force: true, concurrency: 3 }),
          ),
        );
        for (const s of summaries) {
          for (const [kind, n] of Object.entries(s.errors))
            errors[kind] = (errors[kind] ?? 0) + (n ?? 0);
        }
      }
      // Faults over, one poller settles what is left.
      for (let i = 0; i < 3; i++) {
        h.now += 60_000;
        await runCycle(h.deps(), { force: true });
      }

      // Only conflicts (and the injected publish failures) may have failed a sync.
      expect(Object.keys(errors).filter((k) => k !== 'conflict' && k !== 'publish')).toEqual([]);
      const chains = mine(ids);
      expect(chains.size).toBe(ids.length * EMAILS.length);
      expect(chainProblem(chains)).toBeNull();
      for (const [key, chain] of chains) {
        const i = EMAILS.indexOf(String(chain[0]?.email));
        // Never backwards along the provider's timeline: no stale state was committed.
        const positions = chain.map((d) => TIMELINE.indexOf(d.status as (typeof TIMELINE)[number]));
        expect(
          positions.every((p, n) => p >= 0 && (n === 0 || p >= (positions[n - 1] ?? 0))),
          key,
        ).toBe(true);
        // The provider's final state is the last event.
        const last = chain.at(-1);
        expect({ status: last?.status, stopMail: last?.stopMail }, key).toEqual(
          stateAt(i, STEPS - 1),
        );
      }
      // Same eventId, same transition (duplicates on the bus are allowed, variants are not).
      const byId = new Map<string, string>();
      for (const e of h.bus.events.filter((e) => ids.includes(String(e.detail.messageId)))) {
        const body = JSON.stringify({ ...e.detail, observedAt: null });
        expect(byId.get(String(e.detail.eventId)) ?? body).toBe(body);
        byId.set(String(e.detail.eventId), body);
      }
      for (const id of ids) {
        const loaded = await h.store.load(id);
        expect(loaded?.outbox).toEqual([]);
        const stored = [...(loaded?.recipients.values() ?? [])];
        expect(stored).toHaveLength(EMAILS.length);
        for (const s of stored) {
          const chain = chains.get(`${id}|${s.email}|${s.token}`) ?? [];
          expect([s.status, s.stopMail, s.sequence, s.lastEventId]).toEqual([
            chain.at(-1)?.status,
            chain.at(-1)?.stopMail,
            chain.length,
            chain.at(-1)?.eventId,
          ]);
        }
      }
      console.info(
        `concurrent pollers (${pollers}): sync errors by kind ${JSON.stringify(errors)}`,
      );
    },
  );

  it('a poller that read an older reply cannot commit it over a newer one', async () => {
    const id = newId();
    const older: ScriptedReply = {
      kind: 'ok',
      recipients: [{ email: 'a@x.fr', token: 'a', status: 'Waiting' }],
    };
    const newer: ScriptedReply = {
      kind: 'ok',
      recipients: [{ email: 'a@x.fr', token: 'a', status: 'Delivered' }],
    };
    h.simulator.script(id, [older, newer]);
    await h.store.track(id, {}, new Date(h.now));

    // A loads, polls (older), and is held until B has synced (newer) all the way.
    let bOutcome: Awaited<ReturnType<typeof syncMessage>> | undefined;
    const slowProvider: StatusProvider = {
      async bulkStatus(messageId, options) {
        const seen = await h.provider.bulkStatus(messageId, options);
        bOutcome = await syncMessage(h.deps(), messageId);
        return seen;
      },
    };
    const aOutcome = await syncMessage(h.deps({ provider: slowProvider }), id);

    expect(bOutcome).toMatchObject({ kind: 'changed', changes: 1 });
    expect(aOutcome).toMatchObject({ kind: 'error', errorKind: 'conflict' });
    const loaded = await h.store.load(id);
    expect([...(loaded?.recipients.values() ?? [])].map((r) => [r.status, r.sequence])).toEqual([
      ['Delivered', 1],
    ]);
    const statuses = h.bus.events
      .filter((e) => e.detail.messageId === id && 'sequence' in e.detail)
      .map((e) => e.detail.status);
    expect(statuses).toEqual(['Delivered']);
  });
});
