import { XMLParser } from 'fast-xml-parser';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  type MailPartnerSimulator,
  type ScriptedReply,
  slow,
  startSimulator,
} from '../../../local/simulator/server.ts';

const API_KEY = 'sk-live-Zq8-never-log-me';
const NOW = Date.UTC(2025, 0, 6, 9, 0, 0);

let sim: MailPartnerSimulator;
beforeEach(async () => {
  sim = await startSimulator({ apiKey: API_KEY, clock: () => NOW });
});
afterEach(async () => {
  await sim.close();
});

function poll(messageId: string | null, extra: Record<string, string> = {}, key = API_KEY) {
  const params = new URLSearchParams({ ...(key === '' ? {} : { apiKey: key }), ...extra });
  if (messageId !== null) params.set('messageId', messageId);
  return fetch(`${sim.url}/bulk-status?${params}`);
}

async function pollJson(messageId: string | null, key = API_KEY): Promise<unknown> {
  return (await poll(messageId, {}, key)).json();
}

type Entry = string | { entry: Entry[] };
const xml = new XMLParser({ isArray: (name) => name === 'entry', parseTagValue: false });
function positional(body: string): Entry[] {
  return (xml.parse(body) as { result: { entry: Entry[] } }).result.entry;
}

const delivered: ScriptedReply = {
  kind: 'ok',
  recipients: [
    {
      email: 'email1@example.com',
      token: 'xxx',
      status: 'Delivered',
      stopMail: true,
      date: 1599061044,
    },
    { email: 'email2@example.com', status: 'Waiting', cost: 0.5, date: '1599061040' },
  ],
};

describe('startSimulator', () => {
  it('listens on loopback and exposes a base URL usable as the client baseUrl', () => {
    expect(sim.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/v1$/);
  });

  it('honours a custom base path', async () => {
    const other = await startSimulator({ apiKey: API_KEY, basePath: '/api/v2/' });
    try {
      expect(other.url).toMatch(/\/api\/v2$/);
      const res = await fetch(`${other.url}/bulk-status?apiKey=${API_KEY}&messageId=1`);
      expect(await res.json()).toMatchObject({ success: false, code: 4 });
    } finally {
      await other.close();
    }
  });
});

describe('success replies', () => {
  it('answers JSON shaped like the provider page, date as a string of seconds', async () => {
    sim.script('300', [delivered]);
    const res = await poll('300');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    const body = await res.json();
    expect(body).toEqual({
      success: true,
      code: 200,
      messageId: '300',
      StatutResponseList: [
        {
          email: 'email1@example.com',
          token: 'xxx',
          status: 'Delivered',
          cost: 1,
          stopMail: true,
          date: '1599061044',
        },
        {
          email: 'email2@example.com',
          token: expect.stringMatching(/\S/),
          status: 'Waiting',
          cost: 0.5,
          stopMail: false,
          date: '1599061040',
        },
      ],
    });
  });

  it('answers the positional XML of the provider page with _format=xml', async () => {
    sim.script('300', [delivered]);
    const res = await poll('300', { _format: 'xml' });
    const body = await res.text();
    expect(res.headers.get('content-type')).toMatch(/xml/);
    expect(body.startsWith('<?xml version="1.0" encoding="UTF-8"?>\n<result>')).toBe(true);
    expect(body).toContain('<![CDATA[email1@example.com]]>');
    const entries = positional(body);
    expect(entries.slice(0, 3)).toEqual(['true', '200', '300']);
    const list = entries[3] as { entry: Array<{ entry: string[] }> };
    expect(list.entry.map((row) => row.entry)).toEqual([
      ['email1@example.com', 'xxx', 'Delivered', '1', 'true', '1599061044'],
      ['email2@example.com', expect.stringMatching(/\S/), 'Waiting', '0.5', 'false', '1599061040'],
    ]);
  });

  it('dates a scripted row without date at the simulator clock', async () => {
    sim.script('1', [
      { kind: 'ok', recipients: [{ email: 'a@example.com', status: 'Delivered' }] },
    ]);
    expect(await pollJson('1')).toMatchObject({
      StatutResponseList: [{ date: String(NOW / 1000) }],
    });
  });
});

describe('provider errors', () => {
  it.each([
    ['a missing apiKey', '300', '', 1, 'La Clé API est requise'],
    ['a wrong apiKey', '300', 'wrong-key', 10, 'Clé API incorrecte'],
    ['a missing messageId', null, API_KEY, 3, "L'ID du message est requis"],
    ['an unknown messageId', 'nope', API_KEY, 4, 'Message introuvable'],
  ])('answers %s with code %i, HTTP 200', async (_case, messageId, key, code, message) => {
    const res = await poll(messageId, {}, key);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ success: false, code, message });
  });

  it('treats an empty apiKey or messageId parameter as missing', async () => {
    const emptyKey = await fetch(`${sim.url}/bulk-status?apiKey=&messageId=1`);
    expect(await emptyKey.json()).toMatchObject({ code: 1 });
    const emptyId = await fetch(`${sim.url}/bulk-status?apiKey=${API_KEY}&messageId=`);
    expect(await emptyId.json()).toMatchObject({ code: 3 });
  });

  it('renders errors in the XML form of the page', async () => {
    const res = await poll('300', { _format: 'xml' }, 'wrong-key');
    const body = await res.text();
    expect(body.startsWith("<?xml version='1.0' encoding='UTF-8'?>")).toBe(true);
    expect(positional(body)).toEqual(['false', '10', 'Clé API incorrecte']);
  });

  it('checks the key before serving a scripted message, without consuming the script', async () => {
    sim.script('s', [
      { kind: 'code', code: 4 },
      { kind: 'ok', recipients: [] },
    ]);
    expect(await pollJson('s', 'wrong-key')).toMatchObject({ code: 10 });
    expect(await pollJson('s')).toMatchObject({ code: 4 });
    expect(await pollJson('s')).toMatchObject({ success: true, StatutResponseList: [] });
  });

  it('answers 404 outside the endpoint and 405 to other methods', async () => {
    expect((await fetch(`${sim.url}/me?apiKey=${API_KEY}`)).status).toBe(404);
    const post = await fetch(`${sim.url}/bulk-status?apiKey=${API_KEY}&messageId=1`, {
      method: 'POST',
    });
    expect(post.status).toBe(405);
    expect(post.headers.get('allow')).toBe('GET');
  });
});

describe('script', () => {
  it('replays one reply per poll in order, then repeats the last forever', async () => {
    sim.script('42', [
      { kind: 'code', code: 4 },
      { kind: 'ok', recipients: [{ email: 'a@example.com', status: 'Waiting' }] },
      { kind: 'ok', recipients: [{ email: 'a@example.com', status: 'Delivered' }] },
    ]);
    const seen: unknown[] = [];
    for (let i = 0; i < 5; i++) {
      const body = (await pollJson('42')) as {
        code: number;
        StatutResponseList?: Array<{ status: string }>;
      };
      seen.push(body.StatutResponseList?.[0]?.status ?? body.code);
    }
    expect(seen).toEqual([4, 'Waiting', 'Delivered', 'Delivered', 'Delivered']);
  });

  it('restarts from the first reply when re-scripted, and refuses an empty script', async () => {
    sim.script('7', [{ kind: 'code', code: 4 }, { kind: 'empty' }]);
    await pollJson('7');
    sim.script('7', [{ kind: 'code', code: 429 }]);
    expect(await pollJson('7')).toEqual({ success: false, code: 429, message: 'Trop de requêtes' });
    expect(() => sim.script('7', [])).toThrow(RangeError);
  });

  it('uses a scripted message text when given', async () => {
    sim.script('7', [{ kind: 'code', code: 500, message: 'Problème de file' }]);
    expect(await pollJson('7')).toEqual({ success: false, code: 500, message: 'Problème de file' });
  });
});

describe('hostile replies', () => {
  it('sends a bare HTTP status with an nginx-like HTML page by default', async () => {
    sim.script('h', [{ kind: 'http', status: 502 }]);
    const res = await poll('h');
    expect(res.status).toBe(502);
    expect(res.headers.get('content-type')).toMatch(/^text\/html/);
    expect(await res.text()).toContain('502 Bad Gateway');
  });

  it('sends a scripted status, body, content type and headers', async () => {
    sim.script('h', [
      {
        kind: 'http',
        status: 429,
        body: 'slow down',
        contentType: 'text/plain',
        headers: { 'retry-after': '3' },
      },
    ]);
    const res = await poll('h');
    expect(res.status).toBe(429);
    expect(res.headers.get('retry-after')).toBe('3');
    expect(res.headers.get('content-type')).toBe('text/plain');
    expect(await res.text()).toBe('slow down');
  });

  it('sends an HTML page with HTTP 200', async () => {
    sim.script('h', [{ kind: 'html' }]);
    const res = await poll('h');
    expect(res.status).toBe(200);
    const body = await res.text();
    expect(body).toMatch(/^<!DOCTYPE html>/);
    expect(() => JSON.parse(body)).toThrow();
  });

  it('sends an empty body with HTTP 200', async () => {
    sim.script('e', [{ kind: 'empty' }]);
    const res = await poll('e');
    expect(res.status).toBe(200);
    expect(await res.text()).toBe('');
  });

  it('sends a truncated body: a strict prefix of the valid reply that no longer parses', async () => {
    sim.script('full', [delivered]);
    sim.script('cut', [{ kind: 'truncated', of: delivered }]);
    const full = (await (await poll('full')).text()).replace('"messageId":"full"', '');
    const cut = (await (await poll('cut')).text()).replace('"messageId":"cut"', '');
    expect(cut.length).toBeGreaterThan(10);
    expect(cut.length).toBeLessThan(full.length);
    expect(full.startsWith(cut)).toBe(true);
    expect(() => JSON.parse(cut)).toThrow();
  });

  it('truncates the XML form when XML is asked for, and cuts a sample reply by default', async () => {
    sim.script('cut', [{ kind: 'truncated' }]);
    const body = await (await poll('cut', { _format: 'xml' })).text();
    expect(body.startsWith('<?xml')).toBe(true);
    expect(body).not.toContain('</result>');
  });

  it('drops the connection in the middle of the body for reset', async () => {
    sim.script('r', [{ kind: 'reset', of: delivered }]);
    const res = await poll('r');
    expect(res.status).toBe(200);
    await expect(res.text()).rejects.toThrow();
  });

  it('sums nested slow delays', async () => {
    sim.script('slow2', [slow(60, slow(60, { kind: 'empty' }))]);
    await poll('slow2');
    expect(sim.requests.at(-1)).toMatchObject({ reply: 'empty', delayMs: 120 });
  });

  it('delays a slow reply in real time, then sends the wrapped reply', async () => {
    sim.script('slow', [slow(150, delivered)]);
    const started = performance.now();
    const body = await pollJson('slow');
    expect(performance.now() - started).toBeGreaterThanOrEqual(140);
    expect(body).toMatchObject({ success: true, messageId: 'slow' });
    expect(sim.requests.at(-1)).toMatchObject({ reply: 'ok', delayMs: 150 });
  });

  it('fails one request, not the process, on an impossible scripted reply', async () => {
    sim.script('bad', [{ kind: 'http', status: 42 }]);
    const res = await poll('bad');
    expect(res.status).toBe(500);
    expect(await res.text()).toMatch(/^simulator error: /);
    sim.script('good', [{ kind: 'empty' }]);
    expect((await poll('good')).status).toBe(200);
  });

  it('sends a raw body as is', async () => {
    sim.script('raw', [{ kind: 'raw', body: '{"success":"yes","code":"200"', status: 201 }]);
    const res = await poll('raw');
    expect(res.status).toBe(201);
    expect(res.headers.get('content-type')).toMatch(/json/);
    expect(await res.text()).toBe('{"success":"yes","code":"200"');
  });
});

describe('request log', () => {
  it('records every request with its message, format, time and reply', async () => {
    sim.script('1', [delivered]);
    await poll('1');
    await poll('1', { _format: 'xml' });
    await poll(null);
    expect(sim.requests).toEqual([
      {
        at: NOW,
        path: '/v1/bulk-status',
        messageId: '1',
        format: 'json',
        reply: 'ok',
        status: 200,
        code: 200,
        delayMs: 0,
        fault: null,
      },
      expect.objectContaining({ messageId: '1', format: 'xml', reply: 'ok' }),
      expect.objectContaining({ messageId: null, reply: 'code', code: 3 }),
    ]);
    sim.clearRequests();
    expect(sim.requests).toEqual([]);
  });

  it('never holds the API key, whatever the request', async () => {
    sim.script('1', [delivered]);
    sim.generate({ count: 1 });
    sim.setFaults({ rate5xx: 0.5 });
    await poll('1');
    await poll('100001');
    await poll('100001', { _format: 'xml' });
    await poll('1', {}, `${API_KEY}-wrong`);
    await fetch(`${sim.url}/elsewhere?apiKey=${API_KEY}`);
    expect(sim.requests).toHaveLength(5);
    expect(JSON.stringify(sim.requests)).not.toContain(API_KEY);
  });

  it('can be turned off for long benchmarks', async () => {
    const quiet = await startSimulator({ apiKey: API_KEY, recordRequests: false });
    try {
      await fetch(`${quiet.url}/bulk-status?apiKey=${API_KEY}&messageId=1`);
      expect(quiet.requests).toEqual([]);
    } finally {
      await quiet.close();
    }
  });
});

describe('close', () => {
  it('returns promptly even with a pending slow reply and kept-alive sockets', async () => {
    sim.script('hang', [slow(60_000, delivered)]);
    await poll('1'); // leaves a kept-alive socket behind
    const pending = poll('hang');
    while (sim.requests.length < 2) await new Promise((r) => setTimeout(r, 5));
    const started = performance.now();
    await sim.close();
    expect(performance.now() - started).toBeLessThan(1_000);
    await expect(pending).rejects.toThrow();
  });

  it('can be called twice', async () => {
    await sim.close();
    await expect(sim.close()).resolves.toBeUndefined();
  });
});
