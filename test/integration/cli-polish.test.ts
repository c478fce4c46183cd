/**
 * The CLI's contract for scripts and terminals (issue 15 item 6, issue 12 item
 * 6): `list`, `--version`, `--json` on every command, aligned columns, colour
 * only when wanted, a closed pipe, exit codes, a wrong base URL, publishing only
 * on a named bus, the region from the SDK's chain and no SDK warning first. Real
 * processes against loopback servers, as cli.test.ts; each process costs about
 * a second, so each test batches its assertions.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CLI_BIN as BIN,
  type ProcessEnv as Env,
  type ProcessOptions,
  type ProcessRun as Run,
  runCli,
  runProcess,
} from '../support/cli-process.ts';
import { type Harness, startHarness } from '../support/harness.ts';

const PACKAGE = JSON.parse(
  readFileSync(fileURLToPath(new URL('../../package.json', import.meta.url)), 'utf8'),
) as { version: string };
const ESC = '\u001b[';

/** The larger outputs here get more room than Node's default 1 MiB buffer. */
const OUTPUT: ProcessOptions = { maxBuffer: 16 * 1024 * 1024 };
const run = (file: string, args: string[], env: Env) => runProcess(file, args, env, OUTPUT);
const cli = (args: string[], env: Env) => runCli(args, env, OUTPUT);

/** Every run's output, checked at the end for the SDK's Node-version warning. */
const seen: Run[] = [];
async function cliSeen(args: string[], env: Env): Promise<Run> {
  const result = await cli(args, env);
  seen.push(result);
  return result;
}

let h: Harness;
beforeAll(async () => {
  h = await startHarness({ tableName: 'cli-polish-test' });
});
afterAll(async () => {
  await h?.close();
});

const recipients = (n: number, status = 'Delivered') =>
  Array.from({ length: n }, (_, i) => ({
    email: `r${String(i).padStart(5, '0')}@exemple.fr`,
    status,
    date: 1_764_230_400,
  }));

describe('status-sync CLI polish', () => {
  it('--json on every command: one JSON document on stdout with stable field names', async () => {
    const env = h.env();
    h.simulator.script('json-1', [{ kind: 'ok', recipients: recipients(2) }]);

    const init = await cliSeen(['init', '--json'], env);
    expect(init.code, init.stderr).toBe(0);
    expect(JSON.parse(init.stdout)).toEqual({ tableName: 'cli-polish-test', created: false });

    const track = await cliSeen(['track', 'json-1', '--meta', 'team=a', '--json'], env);
    expect(track.code, track.stderr).toBe(0);
    expect(JSON.parse(track.stdout)).toEqual({
      messageId: 'json-1',
      created: true,
      restarted: false,
      announced: true,
      message: expect.objectContaining({
        messageId: 'json-1',
        state: 'active',
        active: true,
        expectedSendAt: expect.any(String),
        sendReason: expect.stringMatching(/^(now|held)$/),
        metadata: { team: 'a' },
      }),
    });

    const poll = await cliSeen(['poll', '--force', '--json'], env);
    expect(poll.code, poll.stderr).toBe(0);
    expect(JSON.parse(poll.stdout)).toMatchObject({
      messagesDue: 1,
      messagesPolled: 1,
      changes: 2,
      stoppedBy: null,
      failures: [],
    });

    const status = await cliSeen(['status', 'json-1', '--json'], env);
    expect(JSON.parse(status.stdout)).toMatchObject({
      messageId: 'json-1',
      recipients: [{ email: 'r00000@exemple.fr', status: 'Delivered', sequence: 1 }, {}],
    });
    const history = await cliSeen(['history', 'json-1', '--json'], env);
    expect(JSON.parse(history.stdout).records).toHaveLength(3);

    const replay = await cliSeen(['replay', 'json-1', '--json'], env);
    expect(replay.code, replay.stderr).toBe(0);
    expect(JSON.parse(replay.stdout)).toEqual({
      messageId: 'json-1',
      bus: 'default',
      selected: 3,
      accepted: 3,
      failed: 0,
    });
    const snapshot = await cliSeen(['snapshot', 'json-1', '--json'], env);
    expect(JSON.parse(snapshot.stdout)).toEqual({
      messageId: 'json-1',
      bus: 'default',
      recipients: 2,
      events: 1,
      published: 1,
      failed: 0,
    });

    const list = await cliSeen(['list', '--json'], env);
    const listed = JSON.parse(list.stdout).messages as Array<Record<string, unknown>>;
    expect(listed.find((m) => m.messageId === 'json-1')).toEqual({
      messageId: 'json-1',
      state: 'active',
      active: true,
      trackedAt: expect.any(String),
      sendAt: null,
      expectedSendAt: expect.any(String),
      sendReason: expect.stringMatching(/^(now|held)$/),
      nextPollAt: expect.any(String),
      lastPolledAt: expect.any(String),
      endedAt: null,
      metadata: { team: 'a' },
    });

    const untrack = await cliSeen(['untrack', 'json-1', '--json'], env);
    expect(JSON.parse(untrack.stdout)).toEqual({
      messageId: 'json-1',
      untracked: true,
      state: 'untracked',
    });

    // A failure in JSON mode: the error as JSON on stderr, nothing on stdout.
    const unknown = await cliSeen(['status', 'no-such-json', '--json'], env);
    expect(unknown.code).toBe(2);
    expect(unknown.stdout).toBe('');
    expect(JSON.parse(unknown.stderr)).toEqual({
      error: { exitCode: 2, kind: 'not-tracked', message: expect.stringContaining('no-such-json') },
    });
  }, 120_000);

  it('list: every tracked message, active and ended, with state, expected send and polls, in aligned columns', async () => {
    const env = h.env();
    h.simulator.script('list-a', [{ kind: 'ok', recipients: recipients(1) }]);
    for (const args of [
      ['track', 'list-a'],
      ['track', 'list-scheduled-with-a-long-id', '--send-at', '2999-06-01T10:00:00+02:00'],
      ['track', 'list-gone'],
      ['untrack', 'list-gone'],
    ]) {
      expect((await cliSeen(args, env)).code).toBe(0);
    }
    // Retire the untracked one: it leaves the due index, `list` still shows it.
    await cliSeen(['poll', '--force'], env);
    await cliSeen(['poll', '--force'], env);

    const list = await cliSeen(['list'], env);
    expect(list.code, list.stderr).toBe(0);
    const lines = list.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^MESSAGE\s+STATE\s+TRACKED\s+EXPECTED SEND\s+LAST POLL\s+NEXT POLL$/);
    const row = (id: string) => lines.find((l) => l.startsWith(`${id} `)) ?? '';
    expect(row('list-a')).toMatch(/\sactive\s/);
    expect(row('list-gone')).toMatch(/\suntracked\s.*\s-$/);
    expect(row('list-scheduled-with-a-long-id')).toContain('2999-06-01T08:00:00.000Z (scheduled)');
    // Aligned: every column starts at the same offset on every line.
    const stateAt = lines[0]?.indexOf('STATE') ?? -1;
    for (const id of ['list-a', 'list-gone', 'list-scheduled-with-a-long-id']) {
      expect(row(id).slice(stateAt).match(/^\S+/)?.[0]).toMatch(/^(active|untracked)$/);
    }
    expect(lines.at(-1)).toMatch(/^\d+ message\(s\), \d+ active$/);

    const active = await cliSeen(['list', '--active', '--json'], env);
    const ids = (JSON.parse(active.stdout).messages as Array<{ messageId: string }>).map(
      (m) => m.messageId,
    );
    expect(ids).toContain('list-a');
    expect(ids).not.toContain('list-gone');

    // history: MessageTrackingCompleted and friends no longer push their line out of line.
    const history = await cliSeen(['history', 'list-a'], env);
    const eventLines = history.stdout.split('\n').filter((l) => l.includes('list-a'));
    expect(eventLines.length).toBeGreaterThan(1);
    const idAt = new Set(eventLines.map((l) => l.indexOf('  list-a')));
    expect(idAt.size).toBe(1);
  }, 120_000);

  it('--version prints package.json version; --help lists every command in one line and the exit codes', async () => {
    const [version, short, help] = await Promise.all([
      cliSeen(['--version'], {}),
      cliSeen(['-V'], {}),
      cliSeen(['--help'], {}),
    ]);
    expect(version).toMatchObject({ code: 0, stdout: `${PACKAGE.version}\n` });
    expect(short.stdout).toBe(`${PACKAGE.version}\n`);
    expect(help.code).toBe(0);
    for (const command of [
      'init',
      'track',
      'untrack',
      'list',
      'status',
      'history',
      'poll',
      'replay',
      'snapshot',
      'forget',
    ]) {
      expect(help.stdout).toMatch(new RegExp(`^  ${command} .*\\S.*\\S$`, 'm'));
    }
    const commands = help.stdout.slice(
      help.stdout.indexOf('Commands:'),
      help.stdout.indexOf('Exit codes:'),
    );
    // One line each: no wrapped continuation lines.
    expect(commands.split('\n').filter((l) => /^ {20,}\S/.test(l))).toEqual([]);
    expect(help.stdout).toMatch(
      /Exit codes:\n\s+0\s+done\n\s+1\s.*\n(.*\n)*\s+2\s+usage or configuration/,
    );
  });

  it('colour: none when stdout is not a terminal or NO_COLOR is set; on a terminal and with FORCE_COLOR', async () => {
    const env = h.env();
    h.simulator.script('colour-1', [{ kind: 'ok', recipients: recipients(1) }]);
    await cliSeen(['track', 'colour-1'], env);
    await cliSeen(['poll', '--force'], env);

    const piped = await cliSeen(['status', 'colour-1'], env);
    expect(piped.stdout).toContain('r00000@exemple.fr');
    expect(piped.stdout).not.toContain(ESC);
    const forced = await cliSeen(['status', 'colour-1'], { ...env, FORCE_COLOR: '1' });
    expect(forced.stdout).toContain(ESC);
    const forcedJson = await cliSeen(['status', 'colour-1', '--json'], {
      ...env,
      FORCE_COLOR: '1',
    });
    expect(forcedJson.stdout).not.toContain(ESC);

    // A real terminal: util-linux `script` runs the CLI on a pseudo-terminal.
    const command = [process.execPath, BIN, 'status', 'colour-1'].map((a) => `'${a}'`).join(' ');
    const tty = await run('script', ['-qec', command, '/dev/null'], { ...env, TERM: 'xterm' });
    expect(tty.stdout).toContain('r00000@exemple.fr');
    expect(tty.stdout).toContain(ESC);
    const ttyNoColour = await run('script', ['-qec', command, '/dev/null'], {
      ...env,
      TERM: 'xterm',
      NO_COLOR: '1',
    });
    expect(ttyNoColour.stdout).toContain('r00000@exemple.fr');
    expect(ttyNoColour.stdout).not.toContain(ESC);
  }, 60_000);

  it('a closed pipe (status | head -3) ends quietly: no EPIPE, no stack, the usual exit code', async () => {
    const env = h.env();
    h.simulator.script('pipe-1', [{ kind: 'ok', recipients: recipients(1500) }]);
    await cliSeen(['track', 'pipe-1'], env);
    // Setup, not the behaviour under test: on a loaded machine a first poll may leave
    // events pending (exit 1); the next one publishes them from the outbox.
    let poll = await cliSeen(['poll', '--force'], env);
    for (let again = 0; poll.code !== 0 && again < 2; again++) {
      poll = await cliSeen(['poll', '--force'], env);
    }
    expect(poll.code, `${poll.stdout.slice(-2000)}${poll.stderr}`).toBe(0);
    const stored = await cliSeen(['status', 'pipe-1', '--json'], env);
    expect(JSON.parse(stored.stdout).recipients).toHaveLength(1500);
    // 1,500 lines (over 90 KB): more than a pipe buffers, so writes go on after head has gone.
    const script = (args: string) =>
      `'${process.execPath}' '${BIN}' ${args} | head -3; echo "exit=\${PIPESTATUS[0]}" >&2`;
    for (const args of ['status pipe-1', 'status pipe-1 --json', 'history pipe-1']) {
      const piped = await run('bash', ['--norc', '-c', script(args)], env);
      expect(piped.stdout.split('\n')).toHaveLength(4); // three lines and the last newline
      expect(piped.stderr).toBe('exit=0\n');
    }
  }, 120_000);

  it('exit codes: an unknown message is 2 on every command, usage errors 2, a failed poll 1', async () => {
    const env = h.env();
    const unknown = await Promise.all(
      ['status', 'history', 'replay', 'snapshot', 'untrack'].map((command) =>
        cliSeen([command, 'never-seen-42'], env),
      ),
    );
    for (const result of unknown) {
      expect(result.code).toBe(2);
      expect(result.stderr).toContain('never-seen-42 is not tracked');
      expect(result.stdout).toBe('');
    }
    const usage = await Promise.all([
      cliSeen(['no-such-command'], env),
      cliSeen(['status'], env),
      cliSeen(['poll', '--no-such-flag'], env),
      cliSeen(['replay', 'x', '--since', 'yesterday'], env),
    ]);
    expect(usage.map((r) => r.code)).toEqual([2, 2, 2, 2]);

    // A provider fault that outlasts the retries: the poll ran but a message failed.
    h.simulator.script('fails-1', [{ kind: 'http', status: 503 }]);
    await cliSeen(['track', 'fails-1'], env);
    const failed = await cliSeen(['poll', '--force'], env);
    expect(failed.code).toBe(1);
    expect(failed.stdout).toMatch(/! fails-1: transient: .*HTTP 503/);
    expect(failed.stderr).toContain('failed to sync');
    await cliSeen(['untrack', 'fails-1'], env);
  }, 120_000);

  it('a base URL without /v1 (an HTML 404) is a configuration error naming MAILPARTNER_BASE_URL: exit 2', async () => {
    const env = h.env();
    h.simulator.script('base-1', [{ kind: 'ok', recipients: recipients(1) }]);
    await cliSeen(['track', 'base-1'], env);
    const wrong = await cliSeen(['poll', '--force'], {
      ...env,
      MAILPARTNER_BASE_URL: h.simulator.url.replace(/\/v1$/, ''),
    });
    expect(wrong.code).toBe(2);
    expect(wrong.stderr).toContain('MAILPARTNER_BASE_URL');
    expect(wrong.stderr).toContain('HTTP 404');
    expect(wrong.stdout).toContain('stopped by configuration');
    await cliSeen(['untrack', 'base-1'], env);
  }, 60_000);

  it('replay and snapshot refuse to publish without a named bus; --bus names one', async () => {
    const { EVENT_BUS_NAME: _bus, ...env } = h.env();
    h.simulator.script('bus-1', [{ kind: 'ok', recipients: recipients(1) }]);
    await cliSeen(['track', 'bus-1'], h.env());
    await cliSeen(['poll', '--force'], h.env());
    const before = h.bus.events.length;
    const [replay, snapshot, blank] = await Promise.all([
      cliSeen(['replay', 'bus-1'], env),
      cliSeen(['snapshot', 'bus-1'], env),
      cliSeen(['snapshot', 'bus-1'], { ...env, EVENT_BUS_NAME: ' ' }),
    ]);
    for (const refused of [replay, snapshot, blank]) {
      expect(refused.code).toBe(2);
      expect(refused.stderr).toMatch(/--bus <name>.*EVENT_BUS_NAME/);
    }
    expect(h.bus.events.length).toBe(before);

    const named = await cliSeen(['snapshot', 'bus-1', '--bus', 'default'], env);
    expect(named.code, named.stderr).toBe(0);
    expect(h.bus.events.at(-1)).toMatchObject({
      detailType: 'MessageStatusSnapshot',
      eventBusName: 'default',
    });
  }, 60_000);

  it('the region comes from the SDK chain: none anywhere is a clear error naming AWS_REGION; AWS_DEFAULT_REGION is read', async () => {
    const { AWS_REGION: _region, ...env } = h.env();
    const nowhere = {
      ...env,
      // No profile and no instance metadata to fall back on.
      AWS_CONFIG_FILE: '/nonexistent/config',
      AWS_SHARED_CREDENTIALS_FILE: '/nonexistent/credentials',
      AWS_EC2_METADATA_DISABLED: 'true',
    };
    const [missing, fromDefault] = await Promise.all([
      cliSeen(['list'], nowhere),
      cliSeen(['list', '--json'], { ...nowhere, AWS_DEFAULT_REGION: 'eu-west-3' }),
    ]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('AWS_REGION');
    expect(missing.stderr).not.toMatch(/\n\s+at /); // no stack
    expect(fromDefault.code, fromDefault.stderr).toBe(0);
    expect(JSON.parse(fromDefault.stdout).messages).toEqual(expect.any(Array));
  }, 60_000);

  it("every output starts with ours: never the AWS SDK's NodeVersionSupportWarning", async () => {
    // This one creates the SDK clients and writes to stderr; the other tests' runs are checked too.
    const own = await cliSeen(['status', 'no-warning-1'], h.env());
    expect(own.stderr).toMatch(/^status-sync: no-warning-1 is not tracked/);
    for (const result of seen) {
      expect(`${result.stdout}${result.stderr}`).not.toContain('NodeVersionSupportWarning');
      expect(result.stderr).not.toMatch(/^\(node:\d+\)/m);
    }
  });
});
