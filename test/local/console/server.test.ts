/**
 * The console's read side over loopback: real dynalite store, simulator and
 * local bus; one message polled once, then read back through the console API
 * and its event stream. (The page itself runs in Chromium in
 * test/integration/start.test.ts.)
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConsoleData } from '../../../local/console/data.ts';
import { type ConsoleServer, startConsole } from '../../../local/console/server.ts';
import { runCycle } from '../../../shared/sync/sync-cycle.ts';
import { trackMessage } from '../../../shared/sync/track-message.ts';
import { type Harness, startHarness } from '../../support/harness.ts';

let h: Harness;
let dir: string;
let data: ConsoleData;
let server: ConsoleServer;
const id = 'console-1';

beforeAll(async () => {
  h = await startHarness();
  dir = await mkdtemp(join(tmpdir(), 'status-sync-console-'));
  data = new ConsoleData(h.store, join(dir, 'messages.json'));
  await data.open();
  server = await startConsole({ data });
  h.bus.onEvent((e) => server.publish(e));
  await data.addDemo([id]);
  await trackMessage(h, id, { campaign: 'c' }, new Date(h.now));
  const date = Math.floor(h.now / 1000) - 60;
  h.simulator.script(id, [
    {
      kind: 'ok',
      recipients: [
        { email: 'a@example.com', status: 'Delivered', date },
        { email: 'b@example.com', status: 'Waiting', date },
      ],
    },
    {
      kind: 'ok',
      recipients: [
        { email: 'a@example.com', status: 'Opened', date: date + 30 },
        { email: 'b@example.com', status: 'Waiting', date },
      ],
    },
  ]);
  await runCycle(h.deps(), { force: true });
  h.now += 120_000;
  await runCycle(h.deps(), { force: true });
});
afterAll(async () => {
  await server?.close();
  await h?.close();
  await rm(dir, { recursive: true, force: true });
});

const get = async (path: string) => {
  const response = await fetch(`${server.url}${path}`);
  return { status: response.status, body: (await response.json()) as unknown };
};

describe('console', () => {
  it('lists messages with state and counts by status', async () => {
    const { status, body } = await get('/api/messages');
    expect(status).toBe(200);
    expect(body).toEqual([
      expect.objectContaining({
        messageId: id,
        state: 'active',
        demo: true,
        recipients: 2,
        counts: { Opened: 1, Waiting: 1 },
        metadata: { campaign: 'c' },
      }),
    ]);
  });

  it("shows each recipient's timeline from the audit trail, with the published eventIds", async () => {
    const { body } = await get(`/api/messages/${id}`);
    const view = body as { recipients: { email: string; timeline: Record<string, unknown>[] }[] };
    const a = view.recipients.find((r) => r.email === 'a@example.com');
    expect(a?.timeline.map((s) => [s.sequence, s.previousStatus, s.status])).toEqual([
      [1, null, 'Delivered'],
      [2, 'Delivered', 'Opened'],
    ]);
    const published = h.bus.events
      .filter((e) => e.detail.email === 'a@example.com')
      .map((e) => e.detail.eventId);
    expect(a?.timeline.map((s) => s.eventId)).toEqual(published);
    expect((await get('/api/messages/nope')).status).toBe(404);
  });

  it('streams the recent events, then each new one, as server-sent events', async () => {
    const controller = new AbortController();
    const response = await fetch(`${server.url}/api/events`, { signal: controller.signal });
    expect(response.headers.get('content-type')).toBe('text/event-stream');
    const reader = (response.body as ReadableStream<Uint8Array>).getReader();
    let text = '';
    const readUntil = async (needle: string) => {
      while (!text.includes(needle)) {
        const { value, done } = await reader.read();
        if (done) throw new Error(`stream ended before ${needle}`);
        text += new TextDecoder().decode(value);
      }
    };
    await readUntil('"detailType":"RecipientOpened"');
    await trackMessage(h, 'console-2', {}, new Date(h.now));
    await readUntil('"messageId":"console-2"');
    expect(text).toMatch(/^id: [\w-]+\ndata: \{/m);
    controller.abort();
  });

  it('is read-only and answers loopback Host headers only', async () => {
    expect((await fetch(server.url, { method: 'POST' })).status).toBe(405);
    const status = await new Promise<number | undefined>((resolve, reject) => {
      const req = request(
        `${server.url}/api/messages`,
        { headers: { host: 'evil.example' } },
        (res) => {
          res.resume();
          resolve(res.statusCode);
        },
      );
      req.on('error', reject);
      req.end();
    });
    expect(status).toBe(403);
    const page = await fetch(server.url);
    expect(page.headers.get('content-type')).toMatch(/text\/html/);
    expect(await page.text()).toContain('new EventSource');
  });
});
