/**
 * Issue 16's provider-edge findings (5, 8, 9, 10, 11, 12) as whole cycles: the
 * real MailPartner client against the loopback simulator, the DynamoDB store on
 * dynalite and the publisher on the local PutEvents endpoint. One describe per
 * finding number; each test failed before its fix.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { ScriptedReply } from '../../local/simulator/server.ts';
import { loadConfig } from '../../shared/config.ts';
import { createMailPartnerClient } from '../../shared/mailpartner/client.ts';
import { runCycle } from '../../shared/sync/sync-cycle.ts';
import { runCli } from '../support/cli-process.ts';
import {
  chainProblem,
  chainsOnBus,
  type Harness,
  startHarness,
  TEST_API_KEY,
} from '../support/harness.ts';
import { type MailPartnerStub, startMailPartnerStub } from '../support/mailpartner-stub-server.ts';

let h: Harness;
let counter = 0;
const newId = (prefix: string) => `${prefix}-${++counter}`;

beforeAll(async () => {
  h = await startHarness({ tableName: 'attack-provider' });
});
afterAll(async () => {
  await h?.close();
});
beforeEach(async () => {
  // Each test starts with nothing due: earlier messages are untracked and drained.
  h.now += 3_600_000;
  for (const m of await h.store.listDue(new Date(h.now), { force: true })) {
    await h.store.untrack(m.messageId);
  }
  await runCycle(h.deps(), { force: true });
});

const DATE = 1_764_230_400;
const ok = (
  ...rows: { email: string; token: string; status: string; stopMail?: boolean }[]
): ScriptedReply => ({ kind: 'ok', recipients: rows.map((r) => ({ date: DATE, ...r })) });
const raw = (body: string, contentType = 'application/json'): ScriptedReply => ({
  kind: 'raw',
  body,
  contentType,
});

/** Events published since `seen` for `messageId`, as [detailType, email, token, status, stopMail]. */
function publishedFor(messageId: string, seen: number) {
  return h.bus.events
    .slice(seen)
    .filter((e) => e.detail.messageId === messageId)
    .map((e) => [e.detailType, e.detail.email, e.detail.token, e.detail.status, e.detail.stopMail]);
}

/** Tracks `messageId` and takes a first reply, so it has committed state to protect. */
async function tracked(messageId: string, first: ScriptedReply): Promise<void> {
  h.simulator.script(messageId, [first]);
  await h.store.track(messageId, {}, new Date(h.now));
  await runCycle(h.deps(), { force: true });
  h.now += 60_000;
}

async function cycle() {
  h.now += 60_000;
  return runCycle(h.deps(), { force: true });
}

function chainsOf(messageId: string) {
  return new Map([...chainsOnBus(h.bus)].filter(([k]) => k.startsWith(`${messageId}|`)));
}

describe('finding 5: a redirect to another origin', () => {
  let elsewhere: MailPartnerStub;
  beforeAll(async () => {
    elsewhere = await startMailPartnerStub();
    elsewhere.script({
      body: {
        success: true,
        code: 200,
        StatutResponseList: [
          { email: 'forged@attacker.example', token: 'f', status: 'Delivered', date: '1764230400' },
        ],
      },
    });
  });
  afterAll(async () => {
    await elsewhere.close();
  });

  it('is refused as a configuration error: the key never leaves, its recipients are not published, nothing is lost', async () => {
    const victim = newId('redirected');
    await tracked(victim, ok({ email: 'a@x.fr', token: 'a', status: 'Waiting' }));
    const before = await h.store.load(victim);

    const location = `${elsewhere.baseUrl}/bulk-status?apiKey=${TEST_API_KEY}&messageId=${victim}`;
    h.simulator.script(victim, [{ kind: 'http', status: 302, headers: { location } }]);
    const seen = h.bus.events.length;
    const summary = await cycle();

    expect(elsewhere.requests).toEqual([]);
    const outcome = summary.outcomes.find((o) => o.messageId === victim);
    expect(outcome).toMatchObject({ kind: 'error', errorKind: 'configuration' });
    expect(outcome?.kind === 'error' ? outcome.message : '').toMatch(
      /ProviderRedirectError: .*HTTP 302.*redirects are refused/,
    );
    expect(outcome?.kind === 'error' ? outcome.message : '').not.toContain(TEST_API_KEY);
    expect(summary.errors.configuration).toBe(1);
    expect(publishedFor(victim, seen)).toEqual([]);
    const after = await h.store.load(victim);
    expect([...(after?.recipients ?? [])]).toEqual([...(before?.recipients ?? [])]);

    // The provider answering properly again: the chain continues where it was.
    h.simulator.script(victim, [ok({ email: 'a@x.fr', token: 'a', status: 'Delivered' })]);
    await cycle();
    expect(publishedFor(victim, seen)).toEqual([
      ['RecipientDelivered', 'a@x.fr', 'a', 'Delivered', false],
    ]);
    expect(chainProblem(chainsOf(victim))).toBeNull();
  });
});

describe('finding 8: XML character references', () => {
  const xmlBody = (email: string, status: string) =>
    `<?xml version="1.0" encoding="UTF-8"?><result><entry>true</entry><entry>200</entry>` +
    `<entry><![CDATA[xxx]]></entry><entry><entry><entry>${email}</entry><entry>j</entry>` +
    `<entry>${status}</entry><entry>1</entry><entry>false</entry><entry>1764230400</entry>` +
    `</entry></entry></result>`;

  it('switching from JSON to XML creates no phantom recipient, and a change is published under the same address', async () => {
    const victim = newId('xml-refs');
    await tracked(victim, ok({ email: 'josé@exemple.fr', token: 'j', status: 'Waiting' }));
    const xmlProvider = createMailPartnerClient({
      apiKey: TEST_API_KEY,
      baseUrl: h.simulator.url,
      format: 'xml',
      retries: 0,
    });
    const seen = h.bus.events.length;

    h.simulator.script(victim, [
      raw(xmlBody('jos&#233;@exemple.fr', 'Waiting'), 'application/xml'),
    ]);
    h.now += 60_000;
    const quiet = await runCycle(h.deps({ provider: xmlProvider }), { force: true });
    expect(quiet.outcomes.find((o) => o.messageId === victim)).toMatchObject({ kind: 'unchanged' });
    expect(publishedFor(victim, seen)).toEqual([]);

    h.simulator.script(victim, [
      raw(xmlBody('jos&#xE9;@exemple.fr', 'Delivered'), 'application/xml'),
    ]);
    h.now += 60_000;
    await runCycle(h.deps({ provider: xmlProvider }), { force: true });
    expect(publishedFor(victim, seen)).toEqual([
      ['RecipientDelivered', 'josé@exemple.fr', 'j', 'Delivered', false],
    ]);
    expect((await h.store.load(victim))?.recipients.size).toBe(1);
    expect(chainProblem(chainsOf(victim))).toBeNull();
  });

  it('a reference XML forbids fails the poll as transient and commits nothing', async () => {
    const victim = newId('xml-bad-ref');
    await tracked(victim, ok({ email: 'a@x.fr', token: 'j', status: 'Waiting' }));
    const before = await h.store.load(victim);
    const seen = h.bus.events.length;
    h.simulator.script(victim, [raw(xmlBody('a&#0;@x.fr', 'Delivered'), 'application/xml')]);
    const summary = await cycle();
    expect(summary.outcomes.find((o) => o.messageId === victim)).toMatchObject({
      kind: 'error',
      errorKind: 'transient',
    });
    expect(publishedFor(victim, seen)).toEqual([]);
    expect([...((await h.store.load(victim))?.recipients ?? [])]).toEqual([
      ...(before?.recipients ?? []),
    ]);
  });
});

describe('finding 9: a reply about another message', () => {
  const body = (messageId: unknown, status: string) =>
    JSON.stringify({
      success: true,
      code: 200,
      messageId,
      StatutResponseList: [
        { email: 'a@x.fr', token: 'a', status, cost: 1, stopMail: true, date: '1764230400' },
        {
          email: 'intruder@x.fr',
          token: 'i',
          status,
          cost: 1,
          stopMail: false,
          date: '1764230400',
        },
      ],
    });

  it('is never applied: its own error kind, counted by kind, nothing committed or published, the others go on', async () => {
    const victim = newId('mixed-up');
    const bystander = newId('bystander');
    await tracked(victim, ok({ email: 'a@x.fr', token: 'a', status: 'Waiting' }));
    h.simulator.script(bystander, [ok({ email: 'b@x.fr', token: 'b', status: 'Waiting' })]);
    await h.store.track(bystander, {}, new Date(h.now));
    const before = await h.store.load(victim);

    h.simulator.script(victim, [raw(body('someone-else-42', 'Delivered'))]);
    h.simulator.script(bystander, [ok({ email: 'b@x.fr', token: 'b', status: 'Delivered' })]);
    const seen = h.bus.events.length;
    const summary = await cycle();

    const outcome = summary.outcomes.find((o) => o.messageId === victim);
    expect(outcome).toMatchObject({ kind: 'error', errorKind: 'reply-mismatch' });
    expect(outcome?.kind === 'error' ? outcome.message : '').toMatch(
      /ReplyForOtherMessageError: MailPartner answered about message "someone-else-42" when asked about/,
    );
    // What the poller's SyncErrors metric is made of (dimension errorKind).
    expect(summary.errors['reply-mismatch']).toBe(1);
    expect(summary.stoppedBy).toBeNull();
    expect(publishedFor(victim, seen)).toEqual([]);
    const after = await h.store.load(victim);
    expect([...(after?.recipients ?? [])]).toEqual([...(before?.recipients ?? [])]);
    expect(after?.outbox).toEqual([]);
    expect(publishedFor(bystander, seen)).toEqual([
      ['RecipientDelivered', 'b@x.fr', 'b', 'Delivered', false],
    ]);
  });

  it('the same id written differently (a number, spaces, leading zeros) is ours and applied', async () => {
    const victim = String(4_200_000 + counter++);
    await tracked(victim, ok({ email: 'a@x.fr', token: 'a', status: 'Waiting' }));
    const seen = h.bus.events.length;
    for (const [form, status] of [
      [Number(victim), 'Delivered'],
      [` ${victim}\n`, 'Opened'],
      [`00${victim}`, 'Clicked'],
    ] as const) {
      h.simulator.script(victim, [raw(body(form, status))]);
      const summary = await cycle();
      expect(summary.outcomes.find((o) => o.messageId === victim)?.kind).toBe('changed');
    }
    expect(publishedFor(victim, seen).map(([type, email]) => `${type} ${email}`)).toEqual([
      'RecipientDelivered a@x.fr',
      'RecipientUnsubscribed a@x.fr',
      'RecipientDelivered intruder@x.fr',
      'RecipientOpened a@x.fr',
      'RecipientOpened intruder@x.fr',
      'RecipientClicked a@x.fr',
      'RecipientClicked intruder@x.fr',
    ]);
    expect(chainProblem(chainsOf(victim))).toBeNull();
  });
});

describe('finding 10: duplicate rows of one recipient in one reply', () => {
  const rows = (...list: [status: string, stopMail: boolean][]) =>
    JSON.stringify({
      success: true,
      code: 200,
      StatutResponseList: list.map(([status, stopMail]) => ({
        email: 'a@x.fr',
        token: 'a',
        status,
        cost: 1,
        stopMail,
        date: '1764230400',
      })),
    });

  it('Delivered with stopMail then Waiting without: the unsubscribe and the delivery are published and kept', async () => {
    const victim = newId('duplicates');
    await tracked(victim, ok({ email: 'a@x.fr', token: 'a', status: 'Waiting' }));
    const seen = h.bus.events.length;
    h.simulator.script(victim, [raw(rows(['Delivered', true], ['Waiting', false]))]);
    await cycle();
    expect(publishedFor(victim, seen)).toEqual([
      ['RecipientDelivered', 'a@x.fr', 'a', 'Delivered', true],
      ['RecipientUnsubscribed', 'a@x.fr', 'a', 'Delivered', true],
    ]);
    const state = [...((await h.store.load(victim))?.recipients.values() ?? [])];
    expect(state.map((r) => [r.status, r.stopMail])).toEqual([['Delivered', true]]);

    // The same reply again, and the rows in the other order: nothing new, nothing undone.
    h.simulator.script(victim, [raw(rows(['Waiting', false], ['Delivered', true]))]);
    await cycle();
    expect(publishedFor(victim, seen)).toHaveLength(2);
    expect(chainProblem(chainsOf(victim))).toBeNull();
  });

  it('Opened then Delivered: the more advanced status wins', async () => {
    const victim = newId('duplicates-rank');
    await tracked(victim, ok({ email: 'a@x.fr', token: 'a', status: 'Waiting' }));
    const seen = h.bus.events.length;
    h.simulator.script(victim, [raw(rows(['Opened', false], ['Delivered', false]))]);
    await cycle();
    expect(publishedFor(victim, seen)).toEqual([
      ['RecipientOpened', 'a@x.fr', 'a', 'Opened', false],
    ]);
  });
});

describe('finding 12: base URLs, messageId forms, address case', () => {
  const cli = (args: string[], env: Record<string, string> = {}) =>
    runCli(args, { ...h.env(), ...env }, { timeoutMs: 30_000 });

  it.each([
    ['ftp://', 'ftp://127.0.0.1/v1', /MAILPARTNER_BASE_URL: must be an absolute http\(s\) URL/],
    ['a ?query', 'http://127.0.0.1/v1?region=eu', /MAILPARTNER_BASE_URL: must not have a \?query/],
    [
      'a #fragment',
      'http://127.0.0.1/v1#x',
      /MAILPARTNER_BASE_URL: must not have a \?query or #fragment/,
    ],
    [
      'user info',
      'http://me:hunter2@127.0.0.1/v1',
      /MAILPARTNER_BASE_URL: must not contain user:password@/,
    ],
  ])(
    'a base URL with %s is a configuration error at load, naming the variable (CLI poll exits non-zero)',
    async (_what, url, message) => {
      expect(() => loadConfig({ MAILPARTNER_BASE_URL: url })).toThrow(message);
      const run = await cli(['poll'], { MAILPARTNER_BASE_URL: url });
      expect(run.code).not.toBe(0);
      expect(run.stderr).toMatch(message);
      expect(run.stderr + run.stdout).not.toContain('hunter2');
    },
  );

  it('the client refuses a base URL with ?query or #fragment instead of dropping /v1', () => {
    for (const baseUrl of [`${h.simulator.url}?x=1`, `${h.simulator.url}#f`]) {
      expect(() => createMailPartnerClient({ apiKey: TEST_API_KEY, baseUrl })).toThrow(
        /must not have a \?query or #fragment/,
      );
    }
  });

  it("' 12345', '12345 ' and the NFD form of an id are one message", async () => {
    const id = `caf\u00e9-${4_300_000 + counter++}`;
    const nfd = id.normalize('NFD');
    expect(nfd).not.toBe(id);
    h.simulator.script(id, [ok({ email: 'a@x.fr', token: 'a', status: 'Waiting' })]);
    const first = await cli(['track', ` ${id}`]);
    expect(first.code).toBe(0);
    expect(first.stdout).toContain(`Tracking ${id}`);
    for (const form of [id, `${id} `, nfd, ` ${nfd}\t`]) {
      const again = await cli(['track', form]);
      expect(again.stdout).toContain(`${id} is already tracked`);
    }
    // The store itself refuses a form that is not normalised rather than keep a second message.
    for (const form of [` ${id}`, nfd]) {
      await expect(h.store.track(form, {}, new Date(h.now))).rejects.toMatchObject({
        name: 'InvalidTrackRequestError',
        message: expect.stringContaining('Unicode NFC'),
      });
    }
    expect(
      (await h.store.listDue(new Date(h.now), { force: true })).map((m) => m.messageId),
    ).toEqual([id]);
    // Other commands find it under any form too.
    expect((await cli(['status', nfd])).code).toBe(0);
  });

  it('case variants of one address with one token stay as the provider wrote them (the documented rule)', async () => {
    const victim = newId('address-case');
    await tracked(victim, ok({ email: 'Jo@Example.FR', token: 'a', status: 'Waiting' }));
    const seen = h.bus.events.length;
    h.simulator.script(victim, [ok({ email: 'Jo@Example.FR', token: 'a', status: 'Delivered' })]);
    await cycle();
    expect(publishedFor(victim, seen)).toEqual([
      ['RecipientDelivered', 'Jo@Example.FR', 'a', 'Delivered', false],
    ]);
    expect((await h.store.load(victim))?.recipients.size).toBe(1);
  });
});
