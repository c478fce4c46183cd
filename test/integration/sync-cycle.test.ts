/**
 * The sync cycle end to end over loopback: real DynamoDB-API server, MailPartner
 * simulator, local EventBridge endpoint, production adapters.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { ScriptedRecipient } from '../../local/simulator/server.ts';
import type { EventPublisher, StatusStore } from '../../shared/ports.ts';
import { runCycle } from '../../shared/sync/sync-cycle.ts';
import { chainProblem, chainsOnBus, type Harness, startHarness } from '../support/harness.ts';

let h: Harness;
let counter = 0;
/** A fresh messageId per test, so tests share servers without sharing state. */
const newId = () => `msg-${++counter}-${Math.random().toString(36).slice(2, 8)}`;

beforeAll(async () => {
  h = await startHarness();
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
});

const at = (iso: string) => Math.floor(Date.parse(iso) / 1000);
const r = (email: string, status: string, extra: Partial<ScriptedRecipient> = {}) => ({
  email,
  status,
  date: at('2026-11-27T08:59:00Z'),
  ...extra,
});

function eventsOf(messageId: string) {
  return h.bus.events.filter((e) => e.detail.messageId === messageId);
}

describe('sync cycle over loopback', () => {
  it('publishes one event per change with metadata, and nothing when the reply says nothing new', async () => {
    const id = newId();
    h.simulator.script(id, [
      { kind: 'ok', recipients: [r('a@x.fr', 'Waiting'), r('b@x.fr', 'Waiting')] },
      { kind: 'ok', recipients: [r('a@x.fr', 'Delivered'), r('b@x.fr', 'Not delivered')] },
    ]);
    await h.store.track(id, { campaign: 'c1' }, new Date(h.now));

    const first = await runCycle(h.deps(), { force: true });
    expect(first.errors).toEqual({});
    expect(eventsOf(id).map((e) => e.detailType)).toEqual([
      'RecipientStatusChanged',
      'RecipientStatusChanged',
    ]);

    await runCycle(h.deps(), { force: true });
    const events = eventsOf(id);
    expect(events.map((e) => [e.detailType, e.detail.email, e.detail.previousStatus])).toEqual([
      ['RecipientStatusChanged', 'a@x.fr', null],
      ['RecipientStatusChanged', 'b@x.fr', null],
      ['RecipientDelivered', 'a@x.fr', 'Waiting'],
      ['RecipientNotDelivered', 'b@x.fr', 'Waiting'],
    ]);
    for (const e of events) {
      expect(e.source).toBe('mailpartner.status-sync');
      expect(e.detail.metadata).toEqual({ campaign: 'c1' });
      expect(e.time).toBe(new Date(String(e.detail.statusAt)).toISOString());
    }

    const again = await runCycle(h.deps(), { force: true });
    expect(eventsOf(id)).toHaveLength(4);
    expect(again.outcomes.find((o) => o.messageId === id)?.kind).toBe('unchanged');

    const loaded = await h.store.load(id);
    expect(loaded?.outbox).toEqual([]);
    expect([...(loaded?.recipients.values() ?? [])].map((s) => [s.status, s.sequence])).toEqual([
      ['Delivered', 2],
      ['Not delivered', 2],
    ]);
  });

  it('republishes entries that PutEvents refused in the next cycle, with the same ids, and nothing else', async () => {
    const id = newId();
    const recipients = Array.from({ length: 12 }, (_, i) => r(`p${i}@x.fr`, 'Delivered'));
    h.simulator.script(id, [{ kind: 'ok', recipients }]);
    await h.store.track(id, {}, new Date(h.now));
    // Two recipients' entries fail on every attempt of the first cycle.
    let failing = true;
    h.bus.failNext({
      entries: (entry) =>
        failing &&
        ['p1@x.fr', 'p3@x.fr'].includes(String((entry.detail as { email?: unknown })?.email)),
      errorCode: 'InternalFailure',
      times: Number.POSITIVE_INFINITY,
    });

    const first = await runCycle(h.deps(), { force: true });
    failing = false;
    expect(first.eventsPending).toBe(2);
    const accepted = new Set(eventsOf(id).map((e) => String(e.detail.eventId)));
    expect(first.eventsPending).toBeGreaterThan(0);
    expect(accepted.size).toBe(12 - first.eventsPending);

    const second = await runCycle(h.deps(), { force: true });
    expect(second.eventsRecovered).toBe(first.eventsPending);
    const all = eventsOf(id).map((e) => String(e.detail.eventId));
    expect(new Set(all).size).toBe(12);
    expect(all).toHaveLength(12); // no event published twice
    expect((await h.store.load(id))?.outbox).toEqual([]);
  });

  it('keeps polling the other messages when one message fails at the provider', async () => {
    const [bad, good1, good2] = [newId(), newId(), newId()];
    h.simulator.script(bad, [{ kind: 'http', status: 502 }]);
    h.simulator.script(good1, [{ kind: 'ok', recipients: [r('g1@x.fr', 'Delivered')] }]);
    h.simulator.script(good2, [{ kind: 'ok', recipients: [r('g2@x.fr', 'Opened')] }]);
    for (const id of [bad, good1, good2]) await h.store.track(id, {}, new Date(h.now));

    const summary = await runCycle(h.deps(), { force: true });
    const byId = new Map(summary.outcomes.map((o) => [o.messageId, o]));
    expect(byId.get(bad)).toMatchObject({ kind: 'error', errorKind: 'transient' });
    expect(byId.get(good1)?.kind).toBe('changed');
    expect(byId.get(good2)?.kind).toBe('changed');
    expect(eventsOf(good1).map((e) => e.detailType)).toEqual(['RecipientDelivered']);
    expect(eventsOf(good2).map((e) => e.detailType)).toEqual(['RecipientOpened']);
    expect(eventsOf(bad)).toEqual([]);
  });

  it('stops the cycle on a rejected API key without touching state', async () => {
    const id = newId();
    h.simulator.script(id, [{ kind: 'code', code: 10 }]);
    await h.store.track(id, {}, new Date(h.now));
    const summary = await runCycle(h.deps(), { force: true, concurrency: 1 });
    expect(summary.stoppedBy).toBe('configuration');
    expect(summary.errors.configuration).toBe(1);
    expect((await h.store.load(id))?.recipients.size).toBe(0);
  });

  it('starts no new message once the deadline has passed', async () => {
    const id = newId();
    h.simulator.script(id, [{ kind: 'ok', recipients: [r('d@x.fr', 'Delivered')] }]);
    await h.store.track(id, {}, new Date(h.now));
    const summary = await runCycle(h.deps(), { force: true, deadline: h.now - 1 });
    expect(summary.messagesPolled).toBe(0);
    expect(summary.skipped).toBe(summary.messagesDue);
    expect(eventsOf(id)).toEqual([]);
  });
});

/** Step names of one sync, in the order the use case calls them. */
type Step = 'load' | 'commit' | 'writeAudit' | 'publish' | 'markPublished' | 'recordPoll';
class Crash extends Error {}

/** Throws `Crash` before or after the n-th call of `step` (1-based), like a Lambda dying there. */
function crashing(step: Step, when: 'before' | 'after') {
  const wrap = <T extends object>(target: T): T =>
    new Proxy(target, {
      get(obj, prop, receiver) {
        const value = Reflect.get(obj, prop, receiver);
        if (typeof value !== 'function') return value;
        // Private fields need the real receiver, not the proxy.
        if (prop !== step) return value.bind(obj);
        return async (...args: unknown[]) => {
          if (when === 'before') throw new Crash(`crash before ${step}`);
          await value.apply(obj, args);
          throw new Crash(`crash after ${step}`);
        };
      },
    });
  return {
    store: wrap<StatusStore>(h.store),
    publisher: wrap<EventPublisher>(h.publisher),
  };
}

describe('a crash between any two steps', () => {
  const steps: Step[] = ['load', 'commit', 'writeAudit', 'publish', 'markPublished', 'recordPoll'];
  const cases = steps.flatMap((s) => [[s, 'before'] as const, [s, 'after'] as const]);

  it.each(cases)(
    'crash %s (%s): the next cycle publishes what is missing with the same ids',
    async (step, when) => {
      const id = newId();
      const v1 = [r('a@x.fr', 'Waiting'), r('b@x.fr', 'Waiting'), r('c@x.fr', 'Waiting')];
      const v2 = [r('a@x.fr', 'Delivered'), r('b@x.fr', 'Bounced'), r('c@x.fr', 'Waiting')];
      const v3 = [
        r('a@x.fr', 'Opened', { stopMail: true }),
        r('b@x.fr', 'Bounced'),
        r('c@x.fr', 'Delivered'),
      ];
      h.simulator.script(id, [
        { kind: 'ok', recipients: v1 },
        { kind: 'ok', recipients: v2 },
        { kind: 'ok', recipients: v2 },
        { kind: 'ok', recipients: v2 },
        { kind: 'ok', recipients: v3 },
      ]);
      await h.store.track(id, {}, new Date(h.now));
      await runCycle(h.deps(), { force: true }); // v1, clean

      const broken = crashing(step, when);
      const crashed = await runCycle(h.deps(broken), { force: true }); // v2, crashes
      expect(crashed.outcomes.map((o) => o.kind)).toEqual(['error']);

      // With nothing new at the provider, one clean cycle must complete v2 by itself.
      await runCycle(h.deps(), { force: true });
      const afterV2 = [...chainsOnBus(h.bus)].filter(([k]) => k.startsWith(`${id}|`));
      expect(afterV2.map(([, chain]) => chain.map((d) => d.status)).sort()).toEqual([
        ['Waiting'],
        ['Waiting', 'Bounced'],
        ['Waiting', 'Delivered'],
      ]);
      expect((await h.store.load(id))?.outbox).toEqual([]);

      for (let i = 0; i < 3; i++) await runCycle(h.deps(), { force: true }); // reaches v3

      const chains = chainsOnBus(h.bus);
      const mine = new Map([...chains].filter(([k]) => k.startsWith(`${id}|`)));
      expect(chainProblem(mine)).toBeNull();
      const statuses = (email: string) =>
        [...mine.entries()].find(([k]) => k.includes(`|${email}|`))?.[1].map((d) => d.status);
      expect(statuses('a@x.fr')).toEqual(['Waiting', 'Delivered', 'Opened', 'Opened']);
      expect(statuses('b@x.fr')).toEqual(['Waiting', 'Bounced']);
      expect(statuses('c@x.fr')).toEqual(['Waiting', 'Delivered']);
      // Same id means same transition: a duplicate is allowed, a different id for it is not.
      const byId = new Map<string, string>();
      for (const e of eventsOf(id)) {
        const id2 = String(e.detail.eventId);
        const body = JSON.stringify({ ...e.detail, observedAt: null });
        expect(byId.get(id2) ?? body).toBe(body);
        byId.set(id2, body);
      }
      const state = await h.store.load(id);
      expect(state?.outbox).toEqual([]);
      expect([...(state?.recipients.values() ?? [])].map((s) => s.status).sort()).toEqual([
        'Bounced',
        'Delivered',
        'Opened',
      ]);
    },
  );
});

describe('two pollers on the same message at the same time', () => {
  it('never both commit, and neither loses a change', async () => {
    const id = newId();
    const emails = Array.from({ length: 40 }, (_, i) => `u${i}@x.fr`);
    const statuses = ['Waiting', 'Sent', 'Delivered', 'Opened', 'Clicked'];
    // Each poll shows the next status; both pollers' requests advance the script.
    h.simulator.script(
      id,
      statuses.flatMap((s) => [
        { kind: 'ok' as const, recipients: emails.map((e) => r(e, s)) },
        { kind: 'ok' as const, recipients: emails.map((e) => r(e, s)) },
      ]),
    );
    await h.store.track(id, {}, new Date(h.now));
    let conflicts = 0;
    for (let round = 0; round < statuses.length + 2; round++) {
      const results = await Promise.all([
        runCycle(h.deps(), { force: true }),
        runCycle(h.deps(), { force: true }),
      ]);
      conflicts += results.reduce((n, s) => n + (s.errors.conflict ?? 0), 0);
    }
    const mine = new Map([...chainsOnBus(h.bus)].filter(([k]) => k.startsWith(`${id}|`)));
    expect(mine.size).toBe(emails.length);
    expect(chainProblem(mine)).toBeNull();
    for (const chain of mine.values()) {
      // Ends at the provider's final state; every announced status is one the provider showed.
      expect(chain.at(-1)?.status).toBe('Clicked');
      for (const d of chain) expect(statuses).toContain(d.status);
    }
    const state = await h.store.load(id);
    expect([...(state?.recipients.values() ?? [])].every((s) => s.status === 'Clicked')).toBe(true);
    expect(state?.outbox).toEqual([]);
    // Report, not a goal: how often the optimistic check fired.
    expect(conflicts).toBeGreaterThanOrEqual(0);
  });
});
