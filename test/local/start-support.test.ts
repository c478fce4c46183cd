/**
 * The pieces `npm start` is made of, each on its own: the data-dir lock, the
 * env file, the demo world, rules on the local bus with their envelope, the
 * consumer handler loader and the TrackMessage rule.
 */
import { spawnSync } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { attachRules } from '../../local/bus-rules.ts';
import { DataDirLockedError, lockDataDir } from '../../local/data-lock.ts';
import { addDemoBatch, generateDemoBatch, readDemoWorld } from '../../local/demo-world.ts';
import { envFileText, writeEnvFile } from '../../local/env-file.ts';
import { compileEventPattern } from '../../local/event-pattern.ts';
import { type LocalEventBridge, startLocalEventBridge } from '../../local/eventbridge-server.ts';
import { HandlerLoadError, loadHandler } from '../../local/handler-target.ts';
import { startSimulator } from '../../local/simulator/server.ts';
import { TRACK_MESSAGE_PATTERN } from '../../local/track-message-rule.ts';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'status-sync-local-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

const sub = async (name: string) => {
  const path = join(dir, name);
  await rm(path, { recursive: true, force: true });
  await mkdir(path, { recursive: true });
  return path;
};

describe('lockDataDir', () => {
  it('refuses while a live process holds the dir, naming its pid', async () => {
    const data = await sub('locked');
    const lock = await lockDataDir(data);
    expect(lock.tookOver).toBe(false);
    // Another live process (the parent of this worker) holding it:
    await writeFile(join(data, 'lock'), `${process.ppid}\n`);
    const refused = lockDataDir(data);
    await expect(refused).rejects.toBeInstanceOf(DataDirLockedError);
    await expect(refused).rejects.toThrow(`in use by another npm start (pid ${process.ppid})`);
    // Its lock is not ours: release leaves it.
    await lock.release();
    expect((await readFile(join(data, 'lock'), 'utf8')).trim()).toBe(String(process.ppid));
  });

  it('takes over the lock of a process that is gone, and releases it', async () => {
    const data = await sub('stale');
    const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']);
    await writeFile(join(data, 'lock'), `${dead.stdout.toString()}\n`);
    const lock = await lockDataDir(data);
    expect(lock.tookOver).toBe(true);
    expect((await readFile(join(data, 'lock'), 'utf8')).trim()).toBe(String(process.pid));
    await lock.release();
    await expect(readFile(join(data, 'lock'))).rejects.toThrow(/ENOENT/);
  });
});

describe('env file', () => {
  const settings = {
    dynamodbUrl: 'http://127.0.0.1:4711',
    eventBridgeUrl: 'http://127.0.0.1:4712',
    consoleUrl: 'http://127.0.0.1:4710',
    tableName: 't',
    eventBusName: 'default',
    region: 'us-east-1',
    mailPartnerBaseUrl: 'http://127.0.0.1:4713/v1',
    demoApiKey: 'demo-api-key',
  };

  it('holds every setting the CLI needs, one KEY=value a line, owner-only', async () => {
    const data = await sub('env');
    const path = await writeEnvFile(data, settings);
    const text = await readFile(path, 'utf8');
    const pairs = Object.fromEntries(
      text
        .split('\n')
        .filter((l) => l && !l.startsWith('#'))
        .map((l) => l.split(/=(.*)/s).slice(0, 2)),
    );
    expect(pairs).toEqual({
      AWS_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: 'local',
      AWS_SECRET_ACCESS_KEY: 'local',
      AWS_ENDPOINT_URL_DYNAMODB: settings.dynamodbUrl,
      AWS_ENDPOINT_URL_EVENTBRIDGE: settings.eventBridgeUrl,
      TABLE_NAME: 't',
      EVENT_BUS_NAME: 'default',
      MAILPARTNER_BASE_URL: settings.mailPartnerBaseUrl,
      MAILPARTNER_API_KEY: 'demo-api-key',
      // The simulator sends at once: a CLI in the second terminal must not wait for the hold.
      MAILPARTNER_COMMERCIAL_HOLD: 'false',
      STATUS_SYNC_CONSOLE: settings.consoleUrl,
    });
    expect(text).toContain(`set -a; . ${path}; set +a`);
    expect((await stat(path)).mode & 0o077).toBe(0);
  });

  it('never writes a real API key', () => {
    const text = envFileText({ ...settings, demoApiKey: null }, '/x/env');
    expect(text).not.toMatch(/^MAILPARTNER_API_KEY=/m);
    expect(text).toMatch(/^# MAILPARTNER_API_KEY: the real key is not written here/m);
  });
});

describe('demo world', () => {
  it('reads the one-batch format of earlier versions and adds batches whose ids follow', async () => {
    const data = await sub('demo');
    expect(await readDemoWorld(data, 3)).toBeNull();
    await writeFile(join(data, 'demo.json'), JSON.stringify({ seed: 42, sentAt: 1_000 }));
    const old = await readDemoWorld(data, 3);
    expect(old).toEqual({ batches: [{ seed: 42, sentAt: 1_000, count: 3 }] });
    const world = await addDemoBatch(data, old, 2, 5_000);
    expect(world.batches).toHaveLength(2);
    expect(await readDemoWorld(data, 9)).toEqual(world);

    const simulator = await startSimulator({ apiKey: 'k' });
    try {
      const ids = world.batches.map((b) => generateDemoBatch(simulator, b));
      expect(ids).toEqual([
        ['100001', '100002', '100003'],
        ['100004', '100005'],
      ]);
    } finally {
      await simulator.close();
    }
  });
});

describe('rules on the local bus', () => {
  let bus: LocalEventBridge;
  let client: EventBridgeClient;
  beforeAll(async () => {
    bus = await startLocalEventBridge();
    client = new EventBridgeClient({
      endpoint: bus.url,
      region: 'us-east-1',
      credentials: { accessKeyId: 'l', secretAccessKey: 'l' },
    });
  });
  afterAll(async () => {
    client.destroy();
    await bus.close();
  });
  const put = (...entries: { source: string; type: string; detail: object }[]) =>
    client.send(
      new PutEventsCommand({
        Entries: entries.map((e) => ({
          Source: e.source,
          DetailType: e.type,
          Detail: JSON.stringify(e.detail),
          Resources: ['arn:x'],
        })),
      }),
    );

  it('delivers matching events in order, in the envelope; a failing target stops nothing', async () => {
    const got: unknown[] = [];
    const reports: string[] = [];
    const rules = attachRules(
      bus,
      [
        {
          name: 'a',
          matches: compileEventPattern({ 'detail-type': [{ prefix: 'Recipient' }] }),
          target: async (e) => {
            await new Promise((r) => setTimeout(r, 5));
            got.push(e);
          },
        },
        {
          name: 'broken',
          matches: compileEventPattern({ source: ['s'] }),
          target: () => {
            throw new Error('boom');
          },
        },
      ],
      {
        account: '000000000000',
        region: 'eu-west-3',
        onDelivered: (r) => reports.push(`${r.rule}:${r.error ? 'error' : 'ok'}`),
      },
    );
    await put(
      { source: 's', type: 'RecipientDelivered', detail: { n: 1 } },
      { source: 's', type: 'MessageTrackingStarted', detail: { n: 2 } },
      { source: 's', type: 'RecipientOpened', detail: { n: 3 } },
    );
    await rules.idle();
    rules.detach();
    expect(got).toEqual([
      expect.objectContaining({ 'detail-type': 'RecipientDelivered', detail: { n: 1 } }),
      expect.objectContaining({ 'detail-type': 'RecipientOpened', detail: { n: 3 } }),
    ]);
    expect(got[0]).toEqual({
      version: '0',
      id: bus.events[0]?.eventId,
      'detail-type': 'RecipientDelivered',
      source: 's',
      account: '000000000000',
      time: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/),
      region: 'eu-west-3',
      resources: ['arn:x'],
      detail: { n: 1 },
    });
    expect(reports.filter((r) => r === 'broken:error')).toHaveLength(3);
    expect(reports.filter((r) => r === 'a:ok')).toHaveLength(2);
  });

  it("the TrackMessage pattern is the construct's default", async () => {
    const { DEFAULT_TRACK_MESSAGE_SOURCE } = await import('../../infra/mailpartner-status-sync.ts');
    expect(TRACK_MESSAGE_PATTERN).toEqual({
      source: [DEFAULT_TRACK_MESSAGE_SOURCE],
      'detail-type': ['TrackMessage'],
    });
  });
});

describe('loadHandler', () => {
  it("calls the file's exported handler with the event and a Lambda-like context", async () => {
    const file = join(dir, 'ok.mjs');
    await writeFile(
      file,
      'export const handler = async (e, c) => ({ id: e.id, fn: c.functionName });',
    );
    const target = await loadHandler(file);
    const event = { id: 'x' } as unknown as Parameters<typeof target>[0];
    expect(await target(event)).toEqual({ id: 'x', fn: 'local-consumer' });
  });

  it('says what is wrong with a file that cannot serve', async () => {
    const none = join(dir, 'none.mjs');
    await writeFile(none, 'export const other = 1;');
    await expect(loadHandler(none)).rejects.toThrow(/exports no function named "handler"/);
    await expect(loadHandler(join(dir, 'missing.mjs'))).rejects.toBeInstanceOf(HandlerLoadError);
  });
});
