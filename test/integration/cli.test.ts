/**
 * The `status-sync` CLI driven as a user would: a real process per command,
 * configured only through the environment, against loopback servers.
 */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Harness, startHarness, TEST_API_KEY } from '../support/harness.ts';

const BIN = fileURLToPath(new URL('../../bin/status-sync.mjs', import.meta.url));

interface Run {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

function cli(args: string[], env: Record<string, string | undefined>): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [BIN, ...args],
      { env: { PATH: process.env.PATH, ...env }, timeout: 30_000 },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

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
    expect(published.map((e) => e.detail.metadata)).toEqual([
      { campaign: 'spring', tenant: 't1' },
      { campaign: 'spring', tenant: 't1' },
    ]);

    const status = await cli(['status', id, '--json'], env);
    expect(status.code).toBe(0);
    expect(JSON.parse(status.stdout)).toEqual({
      messageId: id,
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
  });

  it('poll exits non-zero with a clear message when the API key is missing or rejected', async () => {
    const env = h.env();
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
    for (const command of ['init', 'track', 'poll', 'status']) {
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
