/**
 * The bad input catalogue (see bad-input-cases.ts and docs/reliability.md): every
 * malformed or hostile provider reply goes through a whole cycle, next to a
 * well-behaved message; every bad track request goes to the store and a few to
 * the CLI. Each gets a clear error or is read as plain data; none stops the
 * cycle, none changes state it should not, and a good reply afterwards works.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Metadata } from '../../shared/model.ts';
import { classifyError } from '../../shared/sync/error-kind.ts';
import { runCycle } from '../../shared/sync/sync-cycle.ts';
import { runCli } from '../support/cli-process.ts';
import { chainProblem, chainsOnBus, type Harness, startHarness } from '../support/harness.ts';
import { BASELINE, REPLY_CASES, TRACK_CASES } from './bad-input-cases.ts';

const DOC = fileURLToPath(new URL('../../docs/reliability.md', import.meta.url));
const KNOWN = fileURLToPath(new URL('./KNOWN-FAILING.md', import.meta.url));

let h: Harness;
let counter = 0;
const newId = (prefix: string) => `${prefix}-${++counter}`;

beforeAll(async () => {
  h = await startHarness({ tableName: 'bad-input' });
});
afterAll(async () => {
  await h?.close();
});
beforeEach(async () => {
  h.now += 3_600_000;
  for (const m of await h.store.listDue(new Date(h.now), { force: true })) {
    await h.store.untrack(m.messageId);
  }
  await runCycle(h.deps(), { force: true });
});

const good = (email: string, token: string, status: string) => ({
  kind: 'ok' as const,
  recipients: [{ email, token, status, date: 1_764_230_400 }],
});

describe('malformed and hostile provider replies, through a whole cycle', () => {
  const runnable = REPLY_CASES.filter((c) => !c.knownFailing);

  it.each(runnable.map((c) => [c.name, c] as const))('%s', async (_name, c) => {
    const victim = newId('victim');
    const bystander = newId('bystander');
    h.simulator.script(victim, [good(BASELINE.email, BASELINE.token, BASELINE.status)]);
    h.simulator.script(bystander, [good('b@x.fr', 'b', 'Waiting')]);
    await h.store.track(victim, {}, new Date(h.now));
    await h.store.track(bystander, {}, new Date(h.now));
    await runCycle(h.deps(), { force: true });
    const before = await h.store.load(victim);
    expect(before?.recipients.size).toBe(1);

    h.simulator.script(victim, [c.reply]);
    h.simulator.script(bystander, [good('b@x.fr', 'b', 'Delivered')]);
    h.now += 60_000;
    const seen = h.bus.events.length;
    const summary = await runCycle(h.deps(), { force: true });
    const outcome = summary.outcomes.find((o) => o.messageId === victim);
    const published = h.bus.events.slice(seen).filter((e) => e.detail.messageId === victim);

    // The cycle went on: the other message's change was published.
    expect(summary.stoppedBy).toBeNull();
    expect(summary.outcomes.find((o) => o.messageId === bystander)).toMatchObject({
      kind: 'changed',
      changes: 1,
    });
    if (c.expect.outcome === 'rejected') {
      expect(outcome).toMatchObject({ kind: 'error', errorKind: c.expect.errorKind });
      expect(outcome?.kind === 'error' ? outcome.message : '').toMatch(c.expect.message);
      expect(summary.errors[c.expect.errorKind]).toBe(1);
      // Nothing written, nothing published.
      expect(published).toEqual([]);
      const after = await h.store.load(victim);
      expect([...(after?.recipients ?? [])]).toEqual([...(before?.recipients ?? [])]);
      expect(after?.outbox).toEqual([]);
    } else {
      expect(outcome?.kind).toBe(c.expect.events.length > 0 ? 'changed' : 'unchanged');
      expect(
        published.map((e) => [e.detailType, e.detail.email, e.detail.token, e.detail.status]),
      ).toEqual(c.expect.events);
      c.expect.detail?.(
        published.map((e) => e.detail),
        new Date(h.now).toISOString(),
      );
      expect((await h.store.load(victim))?.outbox).toEqual([]);
    }

    // A good reply afterwards is taken as usual, continuing each chain.
    h.simulator.script(victim, [good(BASELINE.email, BASELINE.token, 'Clicked')]);
    h.now += 60_000;
    const next = await runCycle(h.deps(), { force: true });
    expect(next.outcomes.find((o) => o.messageId === victim)).toMatchObject({ kind: 'changed' });
    const chains = new Map([...chainsOnBus(h.bus)].filter(([k]) => k.startsWith(`${victim}|`)));
    expect(chainProblem(chains)).toBeNull();
    expect(chains.get(`${victim}|${BASELINE.email}|${BASELINE.token}`)?.at(-1)?.status).toBe(
      'Clicked',
    );
  });
});

describe('bad track requests', () => {
  const runnable = TRACK_CASES.filter((c) => !c.knownFailing);

  it.each(runnable.map((c) => [c.name, c] as const))('%s', async (_name, c) => {
    const now = new Date(h.now);
    const due = async () => (await h.store.listDue(now, { force: true })).length;
    const dueBefore = await due();
    const track = () => h.store.track(c.messageId as string, c.metadata as Metadata, now);

    if (c.expect.outcome === 'rejected') {
      const error = await track().then(
        () => null,
        (e: unknown) => e,
      );
      expect(error).toMatchObject({ name: 'InvalidTrackRequestError' });
      expect((error as Error).message).toMatch(c.expect.message);
      expect(classifyError(error)).toBe('bad-request');
      if (typeof c.messageId === 'string' && c.messageId.trim() !== '') {
        expect(await h.store.load(c.messageId)).toBeNull();
      }
      expect(await due()).toBe(dueBefore);
      return;
    }
    const result = await track();
    expect(result.created).toBe(true);
    const loaded = await h.store.load(c.messageId as string);
    expect(loaded?.message.messageId).toBe(c.messageId);
    // Own keys compared, so a key like "__proto__" counts too.
    expect(Object.entries(loaded?.message.metadata ?? {})).toEqual(
      Object.entries(c.metadata as object),
    );
    expect(await due()).toBe(dueBefore + 1);
  });

  const cli = (args: string[]) => runCli(args, h.env(), { timeoutMs: 30_000 });

  it.each([
    ['a newline in the messageId', ['track', 'm-1\nforged'], /control characters/],
    ['an oversized messageId', ['track', 'm'.repeat(257)], /at most 256/],
    ['--meta without "="', ['track', 'cli-ok', '--meta', 'novalue'], /--meta expects key=value/],
    ['no messageId', ['track'], /missing required argument/],
  ])('the CLI refuses %s with exit code 2 and says why', async (_what, args, message) => {
    const run = await cli(args);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(message);
    expect(run.stdout).not.toMatch(/Tracking/);
  });
});

describe('the catalogue', () => {
  it('has at least 30 provider replies and 15 track requests, each listed in docs/reliability.md', () => {
    expect(REPLY_CASES.length).toBeGreaterThanOrEqual(30);
    expect(TRACK_CASES.length).toBeGreaterThanOrEqual(15);
    const doc = readFileSync(DOC, 'utf8');
    for (const c of [...REPLY_CASES, ...TRACK_CASES])
      expect(doc, c.name).toContain(`\`${c.name}\``);
  });

  it('lists every case kept out of the run in KNOWN-FAILING.md', () => {
    const known = readFileSync(KNOWN, 'utf8');
    for (const c of [...REPLY_CASES, ...TRACK_CASES].filter((c) => c.knownFailing)) {
      expect(known, c.name).toContain(`\`${c.name}\``);
      expect(known).toContain(`## ${c.knownFailing}.`);
    }
  });
});
