/**
 * `npm start` as a newcomer runs it: events must show within 30 seconds, and
 * Ctrl-C (SIGINT) must stop everything cleanly.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const dirs: string[] = [];
afterAll(async () => {
  await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
});

describe('npm start', () => {
  it('shows events within 30 s and stops cleanly on SIGINT', async () => {
    const data = await mkdtemp(join(tmpdir(), 'status-sync-start-'));
    dirs.push(data);
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', 'local/start.ts', '--fresh', '--data', data, '--interval', '2'],
      { cwd: ROOT, env: { ...process.env, MAILPARTNER_API_KEY: '' }, stdio: 'pipe' },
    );
    let out = '';
    child.stdout.on('data', (b: Buffer) => {
      out += b.toString();
    });
    child.stderr.on('data', (b: Buffer) => {
      out += b.toString();
    });
    const started = Date.now();
    while (!/Recipient\w+\s+\d+\s+\S+@example\.com/.test(out) && Date.now() - started < 30_000) {
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    expect(out).toMatch(/MessageTrackingStarted/);
    expect(out).toMatch(/Recipient\w+\s+\d+\s+\S+@example\.com/);
    expect(out).toMatch(/cycle: \d+\/\d+ message\(s\) polled/);

    const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
    child.kill('SIGINT');
    const code = await exited;
    expect(code).toBe(0);
    expect(out).toContain('stopped cleanly');
  }, 60_000);
});
