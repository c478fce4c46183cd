/**
 * The `status-sync` CLI driven as a user would: a real process per command,
 * configured only through the environment, against loopback servers.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../support/cli-process.ts';
import { type Harness, startHarness, TEST_API_KEY } from '../support/harness.ts';

const cli = (args: string[], env: Record<string, string | undefined>) =>
  runCli(args, env, { timeoutMs: 30_000 });

let h: Harness;
beforeAll(async () => {
  h = await startHarness({ tableName: 'cli-test' });
});
afterAll(async () => {
  await h?.close();
});

describe('status-sync CLI', () => {
  it('init, track, poll, status --json: the whole loop a user runs', async () => {
    const env = h.env();
    const id = 'cli-1';
    h.simulator.script(id, [
      {
        kind: 'ok',
        recipients: [
          { email: 'ana@x.fr', status: 'Delivered', date: 1_764_230_400 },
          { email: 'bob@x.fr', status: 'Waiting', date: 1_764_230_400 },
        ],
      },
    ]);

    const init = await cli(['init'], env);
    expect(init).toMatchObject({ code: 0 });
    expect(init.stdout).toContain('cli-test is ready');

    const track = await cli(['track', id, '--meta', 'campaign=spring', '--meta', 'tenant=t1'], env);
    expect(track.code).toBe(0);
    expect(track.stdout).toContain(`Tracking ${id}`);
    const twice = await cli(['track', id], env);
    expect(twice.code).toBe(0);
    expect(twice.stdout).toContain('already tracked');

    const poll = await cli(['poll', '--force'], env);
    expect(poll.code).toBe(0);
    expect(poll.stdout).toMatch(/RecipientDelivered\s+cli-1\s+ana@x\.fr/);
    expect(poll.stdout).toMatch(
      /cycle: 1\/1 message\(s\) polled, 2 change\(s\), 2 event\(s\) published/,
    );
    const published = h.bus.events.filter((e) => e.detail.messageId === id);
    expect(published.map((e) => e.detailType)).toEqual([
      'MessageTrackingStarted',
      'RecipientDelivered',
      'RecipientStatusChanged',
    ]);
    for (const e of published)
      expect(e.detail.metadata).toEqual({ campaign: 'spring', tenant: 't1' });

    const status = await cli(['status', id, '--json'], env);
    expect(status.code).toBe(0);
    expect(JSON.parse(status.stdout)).toEqual({
      messageId: id,
      // The message-level fields (issue 10): state, times, send plan, metadata.
      state: 'active',
      active: true,
      trackedAt: expect.any(String),
      sendAt: null,
      expectedSendAt: expect.any(String),
      sendReason: expect.stringMatching(/^(now|held)$/),
      nextPollAt: expect.any(String),
      lastPolledAt: expect.any(String),
      endedAt: null,
      metadata: { campaign: 'spring', tenant: 't1' },
      recipients: [
        {
          email: 'ana@x.fr',
          status: 'Delivered',
          stopMail: false,
          statusAt: '2025-11-27T08:00:00.000Z',
          sequence: 1,
        },
        {
          email: 'bob@x.fr',
          status: 'Waiting',
          stopMail: false,
          statusAt: '2025-11-27T08:00:00.000Z',
          sequence: 1,
        },
      ],
    });
    const human = await cli(['status', id], env);
    expect(human.stdout).toContain('ana@x.fr  Delivered');

    // The audit trail, whole and for one recipient.
    const history = await cli(['history', id, '--json'], env);
    expect(history.code).toBe(0);
    const records = JSON.parse(history.stdout).records as Array<{
      eventId: string;
      detailType: string;
      detail: { email?: string };
    }>;
    expect(records.map((r) => r.detailType).sort()).toEqual([
      'MessageTrackingStarted',
      'RecipientDelivered',
      'RecipientStatusChanged',
    ]);
    expect(new Set(records.map((r) => r.eventId))).toEqual(
      new Set(published.map((e) => String(e.detail.eventId))),
    );
    const one = await cli(['history', id, '--email', 'bob@x.fr'], env);
    expect(one.stdout).toContain('bob@x.fr');
    expect(one.stdout).not.toContain('ana@x.fr');
    expect(one.stdout).toContain('1 record(s)');

    // Replay: the same ids again, marked replayed.
    const before = h.bus.events.length;
    const replay = await cli(['replay', id], env);
    expect(replay.code).toBe(0);
    expect(replay.stdout).toContain('replayed 3 of 3 event(s)');
    const replayed = h.bus.events.slice(before);
    expect(replayed.every((e) => e.detail.replayed === true)).toBe(true);
    expect(new Set(replayed.map((e) => String(e.detail.eventId)))).toEqual(
      new Set(records.map((r) => r.eventId)),
    );
    const future = await cli(['replay', id, '--since', '2999-01-01T00:00:00Z'], env);
    expect(future.stdout).toContain('replayed 0 of 0 event(s)');
    const badSince = await cli(['replay', id, '--since', 'yesterday'], env);
    expect(badSince.code).not.toBe(0);
    expect(badSince.stderr).toContain('--since expects an ISO 8601 time');

    // Snapshot: every recipient's state in one event.
    const snap = await cli(['snapshot', id], env);
    expect(snap.code).toBe(0);
    const snapshot = h.bus.events.at(-1);
    expect(snapshot?.detailType).toBe('MessageStatusSnapshot');
    expect(snapshot?.detail.recipients).toEqual([
      expect.objectContaining({ email: 'ana@x.fr', status: 'Delivered', sequence: 1 }),
      expect.objectContaining({ email: 'bob@x.fr', status: 'Waiting', sequence: 1 }),
    ]);

    // Untrack: no longer polled; a second untrack says so.
    const untrack = await cli(['untrack', id], env);
    expect(untrack.stdout).toContain(`${id} is no longer tracked`);
    await cli(['poll', '--force'], env); // flushes, then retires it
    const afterUntrack = await cli(['poll', '--force'], env);
    expect(afterUntrack.stdout).toMatch(/cycle: 0\/0 message/);
    const again = await cli(['untrack', id], env);
    expect(again.stdout).toContain('had already ended (untracked)');
    // About 20 CLI processes, each starting TypeScript through tsx.
  }, 120_000);

  it('poll exits non-zero with a clear message when the API key is missing or rejected', async () => {
    const env = h.env();
    h.simulator.script('cli-key', [
      { kind: 'ok', recipients: [{ email: 'k@x.fr', status: 'Sent' }] },
    ]);
    expect((await cli(['track', 'cli-key'], env)).code).toBe(0);
    const missing = await cli(['poll', '--force'], { ...env, MAILPARTNER_API_KEY: '' });
    expect(missing.code).not.toBe(0);
    expect(missing.stderr).toContain('MAILPARTNER_API_KEY is not set');

    const wrong = await cli(['poll', '--force'], { ...env, MAILPARTNER_API_KEY: 'wrong-key-123' });
    expect(wrong.code).not.toBe(0);
    expect(wrong.stderr).toMatch(/rejected the API key.*code 10/);
    expect(`${wrong.stdout}${wrong.stderr}`).not.toContain('wrong-key-123');
  });

  it('poll exits non-zero naming the table when it does not exist', async () => {
    const run = await cli(['poll'], { ...h.env(), TABLE_NAME: 'no-such-table' });
    expect(run.code).not.toBe(0);
    expect(run.stderr).toContain('no-such-table');
    expect(run.stderr).toContain('status-sync init');
  });

  it('rejects a bad track request and a bad --meta with a clear error', async () => {
    const env = h.env();
    const badMeta = await cli(['track', 'x-1', '--meta', 'novalue'], env);
    expect(badMeta.code).not.toBe(0);
    expect(badMeta.stderr).toContain('--meta expects key=value');
    const badId = await cli(['track', 'a'.repeat(300)], env);
    expect(badId.code).not.toBe(0);
    expect(badId.stderr).toMatch(/messageId/);
  });

  it('status of an unknown message says how to track it', async () => {
    const run = await cli(['status', 'never-tracked'], h.env());
    expect(run.code).not.toBe(0);
    expect(run.stderr).toContain('never-tracked is not tracked');
  });

  it('every command has --help', async () => {
    for (const command of [
      'init',
      'track',
      'poll',
      'status',
      'history',
      'replay',
      'untrack',
      'snapshot',
    ]) {
      const run = await cli([command, '--help'], h.env());
      expect(run.code).toBe(0);
      expect(run.stdout).toContain(`Usage: status-sync ${command}`);
    }
  });

  it('never prints the API key', async () => {
    const env = h.env();
    const outputs = await Promise.all([
      cli(['poll', '--force'], env),
      cli(['status', 'cli-1', '--json'], env),
      cli(['poll', '--force', '--json'], env),
    ]);
    for (const run of outputs) expect(`${run.stdout}${run.stderr}`).not.toContain(TEST_API_KEY);
  });
});
