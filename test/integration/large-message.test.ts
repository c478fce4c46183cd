/**
 * Large messages through the real MailPartner client, the real store (dynalite)
 * and the local PutEvents endpoint: a reply over the old 5 MB cap is synced
 * group by group with nothing lost, and a reply over the client's cap is a
 * failing poll that backs off and is reported as a poison message instead of
 * being retried forever at full rate.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SimRecipientTimeline } from '../../local/simulator/timeline.ts';
import { POISON_AFTER } from '../../shared/lifecycle/poll-failure.ts';
import { createMailPartnerClient } from '../../shared/mailpartner/client.ts';
import { OUTCOME_EVENTS, syncMessage } from '../../shared/sync/sync-message.ts';
import { trackMessage } from '../../shared/sync/track-message.ts';
import {
  chainProblem,
  chainsOnBus,
  type Harness,
  startHarness,
  TEST_API_KEY,
} from '../support/harness.ts';

let h: Harness;
beforeAll(async () => {
  h = await startHarness({ tableName: 'large-message' });
});
afterAll(async () => {
  await h?.close();
});

/** 40,000 recipients: every tenth delivered a minute after the send, every fiftieth unsubscribing too. */
function recipients(count: number, sentAt: number): SimRecipientTimeline[] {
  return Array.from({ length: count }, (_, i) => ({
    email: `recipient${String(i).padStart(6, '0')}@large.example.com`,
    token: `tok${String(i).padStart(8, '0')}large`,
    events: [
      { atMs: sentAt, status: 'Waiting', cost: 0.012, stopMail: false },
      ...(i % 10 === 0
        ? [{ atMs: sentAt + 60_000, status: 'Delivered', stopMail: i % 50 === 0 }]
        : []),
    ],
  }));
}

async function replyBytes(messageId: string): Promise<number> {
  const url = `${h.simulator.url}/bulk-status?apiKey=${TEST_API_KEY}&messageId=${messageId}`;
  return (await (await fetch(url)).arrayBuffer()).byteLength;
}

describe('a message larger than 5 MB of reply', () => {
  it('is synced through the real client: every change committed and published once, in order', async () => {
    const count = 40_000;
    const messageId = '910001';
    const sentAt = h.now;
    h.simulator.addMessage(messageId, recipients(count, sentAt), { sentAt });
    const provider = createMailPartnerClient({
      apiKey: TEST_API_KEY,
      baseUrl: h.simulator.url,
      retries: 0,
      timeoutMs: 60_000,
    });
    const deps = h.deps({ provider });
    await trackMessage(deps, messageId, { campaign: 'large' }, new Date(h.now));

    h.now = sentAt + 30_000;
    expect(await replyBytes(messageId)).toBeGreaterThan(5 * 1024 * 1024);
    const first = await syncMessage(deps, messageId);
    expect(first).toMatchObject({
      kind: 'changed',
      changes: count,
      published: count,
      pending: 0,
      omittedEvents: count - OUTCOME_EVENTS,
    });
    expect(first.kind === 'changed' ? first.events : []).toHaveLength(OUTCOME_EVENTS);

    h.now = sentAt + 120_000;
    const second = await syncMessage(deps, messageId);
    // 4,000 delivered, 800 of them unsubscribing as well.
    expect(second).toMatchObject({ kind: 'changed', changes: 4_800, published: 4_800 });

    h.now = sentAt + 240_000;
    expect(await syncMessage(deps, messageId)).toMatchObject({ kind: 'unchanged' });

    const stored = await h.store.load(messageId);
    expect(stored?.recipients.size).toBe(count);
    expect(stored?.outbox).toEqual([]);
    const delivered = [...(stored?.recipients.values() ?? [])].filter(
      (r) => r.status === 'Delivered',
    );
    expect(delivered).toHaveLength(4_000);
    expect(delivered.filter((r) => r.stopMail)).toHaveLength(800);

    const onBus = h.bus.events.filter(
      (e) => e.detail.messageId === messageId && e.detailType.startsWith('Recipient'),
    );
    expect(new Set(onBus.map((e) => e.detail.eventId)).size).toBe(count + 4_800);
    const chains = chainsOnBus(h.bus);
    // This message's recipients only (its message-level event has no email).
    for (const [key, chain] of chains) {
      if (!key.startsWith(`${messageId}|`) || chain[0]?.email === undefined) chains.delete(key);
    }
    expect(chains.size).toBe(count);
    expect(chainProblem(chains)).toBeNull();
  }, 120_000);
});

describe('a reply over the client cap', () => {
  it('fails the poll without retrying, backs off, and reports a poison message once', async () => {
    const messageId = '910002';
    const sentAt = h.now;
    h.simulator.addMessage(messageId, recipients(10_000, sentAt), { sentAt });
    h.now = sentAt + 30_000;
    const bytes = await replyBytes(messageId);
    const provider = createMailPartnerClient({
      apiKey: TEST_API_KEY,
      baseUrl: h.simulator.url,
      retries: 2,
      minBackoffMs: 1,
      maxReplyBytes: Math.floor(bytes / 2),
    });
    const deps = h.deps({ provider });
    await trackMessage(deps, messageId, { campaign: 'too-large' }, new Date(h.now));
    h.simulator.clearRequests();

    const waits: number[] = [];
    const poisoned: boolean[] = [];
    for (let poll = 1; poll <= POISON_AFTER + 1; poll++) {
      const outcome = await syncMessage(deps, messageId);
      expect(outcome).toMatchObject({ kind: 'error', errorKind: 'transient', failures: poll });
      expect(outcome.kind === 'error' ? outcome.message : '').toMatch(/ReplyTooLargeError/);
      poisoned.push(outcome.kind === 'error' && outcome.poisoned);
      const message = (await h.store.load(messageId))?.message;
      const next = Date.parse(message?.nextPollAt ?? '');
      waits.push(next - h.now);
      h.now = next;
    }
    // One request per poll: not retried within it.
    expect(h.simulator.requests.filter((r) => r.messageId === messageId)).toHaveLength(
      POISON_AFTER + 1,
    );
    // Backed off: each wait at least as long as the one before, the later ones longer.
    for (let i = 1; i < waits.length; i++) {
      expect(waits[i]).toBeGreaterThanOrEqual(waits[i - 1] as number);
    }
    expect(waits.at(-1)).toBeGreaterThan(waits[0] as number);
    // Reported once, when the streak reached POISON_AFTER.
    expect(poisoned.indexOf(true)).toBe(POISON_AFTER - 1);
    expect(poisoned.filter(Boolean)).toHaveLength(1);
    const reports = h.bus.events.filter(
      (e) => e.detailType === 'MessagePollFailing' && e.detail.messageId === messageId,
    );
    expect(reports).toHaveLength(1);
    // Nothing of the reply was committed or published.
    expect((await h.store.load(messageId))?.recipients.size).toBe(0);
    expect(
      h.bus.events.filter(
        (e) => e.detail.messageId === messageId && e.detailType.startsWith('Recipient'),
      ),
    ).toEqual([]);
  }, 60_000);
});
