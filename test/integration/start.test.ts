/**
 * `npm start` as a developer uses it: the console in a real headless Chromium
 * shows events as they come, a second process reaches the stack through
 * `<data>/env` alone (CLI, PutEvents), a TrackMessage on the local bus starts
 * tracking, a consumer handler gets only the events its pattern matches, in
 * the EventBridge envelope, a second `npm start` on the same data refuses,
 * SIGINT stops everything, and a restart on the same data shows new events.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { copyFile, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { afterAll, describe, expect, it } from 'vitest';
import { launchChromium } from '../support/chromium.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const PATTERN = '{"source":["mailpartner.status-sync"],"detail-type":[{"prefix":"Recipient"}]}';
const ENVELOPE_KEYS = [
  'account',
  'detail',
  'detail-type',
  'id',
  'region',
  'resources',
  'source',
  'time',
  'version',
];
const cleanup: (() => Promise<unknown>)[] = [];
afterAll(async () => {
  for (const step of cleanup.reverse()) await step().catch(() => undefined);
});

/** A running `npm start` (node + tsx, as the script runs it), its output collected. */
class Stack {
  out = '';
  err = '';
  readonly exited: Promise<number | null>;
  private constructor(readonly child: ChildProcess) {
    child.stdout?.on('data', (b: Buffer) => {
      this.out += b.toString();
    });
    child.stderr?.on('data', (b: Buffer) => {
      this.err += b.toString();
    });
    this.exited = new Promise((resolve) => child.on('exit', resolve));
  }

  static start(args: string[], env: Record<string, string> = {}): Stack {
    const child = spawn(process.execPath, ['--import', 'tsx', 'local/start.ts', ...args], {
      cwd: ROOT,
      env: { ...process.env, MAILPARTNER_API_KEY: '', ...env },
      stdio: 'pipe',
    });
    const stack = new Stack(child);
    cleanup.push(async () => {
      if (child.exitCode === null) child.kill('SIGKILL');
    });
    return stack;
  }

  /** Resolves to the first match of `pattern` in stdout after `from`; fails after `ms`. */
  async waitFor(pattern: RegExp, ms: number, from = 0): Promise<RegExpMatchArray> {
    const until = Date.now() + ms;
    for (;;) {
      const match = this.out.slice(from).match(pattern);
      if (match) return match;
      if (Date.now() > until || this.child.exitCode !== null) {
        throw new Error(`no ${pattern} in npm start output:\n${this.out}\n${this.err}`);
      }
      await sleep(100);
    }
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function readEnvFile(path: string): Promise<Record<string, string>> {
  const env: Record<string, string> = {};
  for (const line of (await readFile(path, 'utf8')).split('\n')) {
    const m = /^([A-Z_][A-Z0-9_]*)=(.*)$/.exec(line);
    if (m?.[1]) env[m[1]] = m[2] ?? '';
  }
  return env;
}

/** The CLI in a process whose environment is the env file and nothing AWS-related of ours. */
function cli(env: Record<string, string>, ...args: string[]) {
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
    const child = spawn(process.execPath, ['bin/status-sync.mjs', ...args], {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (b: Buffer) => {
      stdout += b.toString();
    });
    child.stderr.on('data', (b: Buffer) => {
      stderr += b.toString();
    });
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('npm start', () => {
  it('console, second terminal, TrackMessage, consumer, refusal, SIGINT and restart', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'status-sync-start-'));
    cleanup.push(() => rm(dir, { recursive: true, force: true }));
    const data = join(dir, 'data');
    const received = join(dir, 'consumer.jsonl');
    const handler = join(dir, 'consumer.mjs');
    await writeFile(
      handler,
      "import { appendFileSync } from 'node:fs';\n" +
        'export const handler = async (event) => {\n' +
        "  appendFileSync(process.env.CONSUMER_OUT, JSON.stringify(event) + '\\n');\n" +
        '};\n',
    );
    const args = ['--data', data, '--port', '0', '--interval', '1', '--messages', '4'];
    const stack = Stack.start(['--fresh', ...args, '--handler', handler, '--pattern', PATTERN], {
      CONSUMER_OUT: received,
    });
    const consoleUrl = (await stack.waitFor(/console: (http:\/\/127\.0\.0\.1:\d+)/, 30_000))[1];
    expect(stack.out).toMatch(
      /second terminal: set -a; \. \S+\/env; set \+a; npx status-sync status/,
    );

    // A second npm start on the same data refuses clearly, and the first one goes on.
    const second = Stack.start(args);
    expect(await second.exited).toBe(2);
    expect(second.err).toMatch(/is in use by another npm start \(pid \d+\)/);
    expect(second.err).not.toMatch(/Database is closed|\n\s+at /);

    const browser = await launchChromium();
    cleanup.push(() => browser.close());
    const page = await browser.newPage({ viewport: { width: 1280, height: 860 } });
    await page.goto(consoleUrl ?? '');
    await page.locator('#live.on').waitFor({ timeout: 10_000 });
    await page.locator('#messages tr[data-message-id]').first().waitFor({ timeout: 10_000 });

    // Second terminal: only the env file.
    const env = await readEnvFile(join(data, 'env'));
    expect(Object.keys(env)).toEqual(
      expect.arrayContaining([
        'AWS_ENDPOINT_URL_DYNAMODB',
        'AWS_ENDPOINT_URL_EVENTBRIDGE',
        'TABLE_NAME',
        'EVENT_BUS_NAME',
        'AWS_REGION',
        'MAILPARTNER_BASE_URL',
        'MAILPARTNER_API_KEY',
        'AWS_ACCESS_KEY_ID',
        'AWS_SECRET_ACCESS_KEY',
      ]),
    );
    const demoIds = (await (await fetch(`${consoleUrl}/api/messages`)).json()) as {
      messageId: string;
      demo: boolean;
    }[];
    const firstBatch = demoIds.filter((m) => m.demo).map((m) => m.messageId);
    expect(firstBatch).toHaveLength(4);
    const status = await cli(env, 'status', firstBatch[0] ?? '', '--json');
    expect(status.stderr).not.toMatch(/status-sync:/);
    expect(status.code).toBe(0);
    expect(JSON.parse(status.stdout)).toMatchObject({ messageId: firstBatch[0] });
    const list = await cli(env, 'list', '--json');
    expect(list.code).toBe(0);
    expect(list.stdout).toContain(firstBatch[0]);

    // TrackMessage on the local bus, as docs/deploy.md puts it; the page updates live.
    const before = await page.locator('#events li').count();
    const bus = new EventBridgeClient({
      region: env.AWS_REGION,
      endpoint: env.AWS_ENDPOINT_URL_EVENTBRIDGE,
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    });
    cleanup.push(async () => bus.destroy());
    const put = await bus.send(
      new PutEventsCommand({
        Entries: [
          {
            EventBusName: env.EVENT_BUS_NAME,
            Source: 'mailpartner.status-sync.client',
            DetailType: 'TrackMessage',
            Detail: JSON.stringify({ messageId: '424242', metadata: { campaign: 'spring' } }),
          },
        ],
      }),
    );
    expect(put.FailedEntryCount).toBe(0);
    await stack.waitFor(/TrackMessage: 424242 now tracked/, 10_000);
    const tracked = await cli(env, 'status', '424242', '--json');
    expect(tracked.code).toBe(0);
    await page.locator('#messages tr[data-message-id="424242"]').waitFor({ timeout: 10_000 });
    await page
      .locator('#events li[data-detail-type="MessageTrackingStarted"]', { hasText: '424242' })
      .waitFor({ timeout: 10_000 });
    expect(await page.locator('#events li').count()).toBeGreaterThan(before);

    // Recipients' timelines of a demo message that has some.
    await stack.waitFor(/Recipient\w+\s+\d+\s+\S+@example\.com/, 30_000);
    const withRecipients = page.locator('#messages tr[data-message-id]', {
      hasText: /Delivered|Opened|Clicked|Bounced|Rejected|Sent|Waiting/,
    });
    await withRecipients.first().waitFor({ timeout: 10_000 });
    await withRecipients.first().click();
    await page
      .locator('#recipients li[data-event-id]', { hasText: /^#1 / })
      .first()
      .waitFor({ timeout: 10_000 });
    const shot = join(dir, 'console.png');
    await page.screenshot({ path: shot, fullPage: true });
    expect((await stat(shot)).size).toBeGreaterThan(10_000);
    if (process.env.CONSOLE_SCREENSHOT) await copyFile(shot, process.env.CONSOLE_SCREENSHOT);

    // The consumer got the matching events only, in the envelope.
    const got = (await readFile(received, 'utf8'))
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(got.length).toBeGreaterThan(0);
    for (const event of got) {
      expect(Object.keys(event).sort()).toEqual(ENVELOPE_KEYS);
      expect(event).toMatchObject({ version: '0', source: 'mailpartner.status-sync' });
      expect(String(event['detail-type'])).toMatch(/^Recipient/);
      expect(String(event.time)).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    }
    expect(stack.out).toMatch(/MessageTrackingStarted/);

    // When every demo message has ended, a new demo batch starts.
    const untracked = await Promise.all(firstBatch.map((id) => cli(env, 'untrack', id)));
    expect(untracked.map((r) => r.code)).toEqual([0, 0, 0, 0]);
    const renewed = await stack.waitFor(
      /demo: the last batch has ended; new demo messages ([\d, ]+)/,
      15_000,
    );
    const secondBatch = (renewed[1] ?? '').split(', ');
    expect(secondBatch).toHaveLength(4);
    expect(secondBatch).not.toContain(firstBatch[0]);

    // SIGINT stops everything within 10 s; the env file and the lock go with it.
    const stopAt = Date.now();
    stack.child.kill('SIGINT');
    expect(await stack.exited).toBe(0);
    expect(Date.now() - stopAt).toBeLessThan(10_000);
    expect(stack.out).toContain('stopped cleanly');
    expect(existsSync(join(data, 'env'))).toBe(false);
    expect(existsSync(join(data, 'lock'))).toBe(false);

    // Again on the same data: the second batch goes on and new events arrive.
    const again = Stack.start(args);
    await again.waitFor(/console: http/, 30_000);
    const start = again.out.length;
    await again.waitFor(
      new RegExp(`Recipient\\w+\\s+(${secondBatch.join('|')})\\s`),
      30_000,
      start,
    );
    expect(again.out).not.toMatch(/TrackMessage: 424242/);
    const env2 = await readEnvFile(join(data, 'env'));
    const kept = await cli(env2, 'status', '424242', '--json');
    expect(kept.code).toBe(0);
    again.child.kill('SIGINT');
    expect(await again.exited).toBe(0);
  }, 150_000);
});
