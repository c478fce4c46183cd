import { XMLParser } from 'fast-xml-parser';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  changesBetween,
  type MailPartnerSimulator,
  messageStateAt,
  startSimulator,
  type TrafficOptions,
} from '../../../local/simulator/server.ts';

const API_KEY = 'test-key';
const T0 = Date.UTC(2025, 0, 6, 9, 0, 0);
const SECOND = 1000;
const HOUR = 3_600 * SECOND;

interface Row {
  email: string;
  token: string;
  status: string;
  cost: number;
  stopMail: boolean;
  date: string;
}
type Body = { success: true; StatutResponseList: Row[] } | { success: false; code: number };

let now = T0;
let sim: MailPartnerSimulator;
beforeEach(async () => {
  now = T0;
  sim = await startSimulator({ apiKey: API_KEY, clock: () => now });
});
afterEach(async () => {
  await sim.close();
});

async function poll(messageId: string, format: 'json' | 'xml' = 'json'): Promise<Response> {
  const xml = format === 'xml' ? '&_format=xml' : '';
  return fetch(`${sim.url}/bulk-status?apiKey=${API_KEY}&messageId=${messageId}${xml}`);
}
async function pollJson(messageId: string): Promise<Body> {
  return (await poll(messageId)).json() as Promise<Body>;
}
/** Narrows away `undefined` with a failure that says what was missing. */
function must<T>(value: T | undefined, what: string): T {
  if (value === undefined) throw new Error(`missing ${what}`);
  return value;
}

/** Generates one message and returns its id. */
function generateOne(options: Omit<TrafficOptions, 'count'>): string {
  return must(sim.generate({ ...options, count: 1 })[0], 'generated id');
}

function rows(body: Body): Row[] {
  if (!body.success) throw new Error(`expected success, got code ${body.code}`);
  return body.StatutResponseList;
}

// Later stages outrank earlier ones; a poller should never see a recipient go back.
const RANK: Record<string, number> = {
  Waiting: 0,
  Deferred: 1,
  Delivered: 2,
  'Not delivered': 2,
  Bounced: 2,
  Opened: 3,
  Clicked: 4,
  SPAM_COMPLAINT: 5,
};

describe('generate', () => {
  it('returns fresh numeric ids and is deterministic for a seed across simulators', async () => {
    const first = sim.generate({ count: 3, seed: 77 });
    const other = await startSimulator({ apiKey: API_KEY, clock: () => now });
    try {
      const again = other.generate({ count: 3, seed: 77 });
      expect(again).toEqual(first);
      expect(first.every((id) => /^\d+$/.test(id))).toBe(true);
      expect(first.map((id) => other.timeline(id))).toEqual(first.map((id) => sim.timeline(id)));
    } finally {
      await other.close();
    }
    const more = sim.generate({ count: 3, seed: 77 });
    expect(more.some((id) => first.includes(id))).toBe(false);
  });

  it('never takes an id already scripted', () => {
    sim.script('100001', [{ kind: 'empty' }]);
    expect(sim.generate({ count: 1 })).toEqual(['100002']);
  });

  it('shows every recipient Waiting, dated at the send, right after sending', async () => {
    const id = generateOne({ recipientsPerMessage: 10 });
    const list = rows(await pollJson(id));
    expect(list).toHaveLength(10);
    for (const row of list) {
      expect(row.status).toBe('Waiting');
      expect(row.date).toBe(String(T0 / SECOND));
      expect(row.token).toMatch(/^[0-9a-f]{24}$/);
    }
  });

  it('answers code 4 for notFoundForMs after the send, then the timeline', async () => {
    const id = generateOne({ notFoundForMs: 30 * SECOND });
    expect(await pollJson(id)).toEqual({
      success: false,
      code: 4,
      message: 'Message introuvable',
    });
    now = T0 + 30 * SECOND - 1;
    expect(await pollJson(id)).toMatchObject({ success: false, code: 4 });
    now = T0 + 30 * SECOND;
    expect(rows(await pollJson(id)).length).toBeGreaterThan(0);
  });

  it('moves statuses forward as the clock advances and settles every report within 48 h', async () => {
    const ids = sim.generate({ count: 40, seed: 5, recipientsPerMessage: 5 });
    const pollTimes = [0, 1, 5, 30, 300, 3_600, 6 * 3_600, 24 * 3_600, 49 * 3_600, 9 * 86_400];
    const history = new Map<string, Row[]>();
    for (const offset of pollTimes) {
      now = T0 + offset * SECOND;
      const replies = await Promise.all(ids.map(async (id) => ({ id, body: await pollJson(id) })));
      for (const { id, body } of replies) {
        for (const row of rows(body)) {
          const key = `${id}|${row.email}|${row.token}`;
          history.set(key, [...(history.get(key) ?? []), row]);
        }
      }
    }
    const statusesSeen = new Set<string>();
    for (const seen of history.values()) {
      expect(seen).toHaveLength(pollTimes.length);
      for (let i = 1; i < seen.length; i++) {
        const before = must(seen[i - 1], 'earlier poll');
        const after = must(seen[i], 'later poll');
        expect(RANK[after.status]).toBeGreaterThanOrEqual(must(RANK[before.status], 'rank'));
        expect(Number(after.date)).toBeGreaterThanOrEqual(Number(before.date));
        if (before.stopMail) expect(after.stopMail).toBe(true);
      }
      expect(seen[0]?.status).toBe('Waiting');
      const at49h = must(seen[pollTimes.indexOf(49 * 3_600)], 'poll at 49 h');
      expect(['Waiting', 'Deferred']).not.toContain(at49h.status);
      for (const row of seen) statusesSeen.add(row.status);
    }
    expect(statusesSeen).toContain('Delivered');
    expect(statusesSeen).toContain('Opened');
    // Every state a poll showed is one the timeline defines.
    for (const status of statusesSeen) expect(RANK).toHaveProperty([status]);
  });

  it('replies exactly what the exposed timeline says at the poll time', async () => {
    const id = generateOne({ seed: 3, recipientsPerMessage: 30 });
    const timeline = must(sim.timeline(id), 'timeline');
    for (const offset of [2 * SECOND, 10 * SECOND, 2 * HOUR]) {
      now = T0 + offset;
      const state = messageStateAt(timeline, now);
      const expected = state.found
        ? state.recipients.map((r) => ({
            email: r.email,
            token: r.token,
            status: r.status,
            cost: r.cost,
            stopMail: r.stopMail,
            date: String(Math.floor(r.sinceMs / SECOND)),
          }))
        : [];
      expect(rows(await pollJson(id))).toEqual(expected);
    }
  });

  it('lets a test predict which recipients change between two polls', async () => {
    const id = generateOne({ seed: 8, recipientsPerMessage: 50 });
    now = T0 + 2 * SECOND;
    const before = rows(await pollJson(id));
    now = T0 + 90 * SECOND;
    const after = rows(await pollJson(id));
    const changedOnWire = after
      .filter((row, i) => JSON.stringify(row) !== JSON.stringify(before[i]))
      .map((row) => row.email + row.token);
    const predicted = changesBetween(
      must(sim.timeline(id), 'timeline'),
      T0 + 2 * SECOND,
      T0 + 90 * SECOND,
    );
    expect(changedOnWire.length).toBeGreaterThan(0);
    expect(predicted.map((c) => c.after.email + c.after.token)).toEqual(changedOnWire);
  });

  it('serves the same state in XML as in JSON', async () => {
    const id = generateOne({ seed: 12, recipientsPerMessage: 4 });
    now = T0 + HOUR;
    const json = rows(await pollJson(id));
    const body = await (await poll(id, 'xml')).text();
    const parser = new XMLParser({ isArray: (name) => name === 'entry', parseTagValue: false });
    const entries = parser.parse(body).result.entry as [
      string,
      string,
      string,
      { entry: Array<{ entry: string[] }> },
    ];
    expect(entries.slice(0, 3)).toEqual(['true', '200', id]);
    expect(entries[3].entry.map((row) => row.entry)).toEqual(
      json.map((r) => [r.email, r.token, r.status, String(r.cost), String(r.stopMail), r.date]),
    );
  });
});

describe('addMessage', () => {
  it('serves explicit timelines: nobody before the first event, then each latest state', async () => {
    sim.addMessage('900', [
      {
        email: 'a@example.com',
        token: 'ta',
        events: [
          { atMs: T0 + SECOND, status: 'Waiting', cost: 2 },
          { atMs: T0 + 10 * SECOND, status: 'Delivered' },
          { atMs: T0 + HOUR, stopMail: true },
        ],
      },
      { email: 'b@example.com', events: [{ atMs: T0 + 5 * SECOND, status: 'Deferred' }] },
    ]);
    expect(rows(await pollJson('900'))).toEqual([]);
    now = T0 + 5 * SECOND;
    expect(rows(await pollJson('900')).map((r) => [r.email, r.status, r.date])).toEqual([
      ['a@example.com', 'Waiting', String(T0 / SECOND + 1)],
      ['b@example.com', 'Deferred', String(T0 / SECOND + 5)],
    ]);
    now = T0 + 2 * HOUR;
    expect(rows(await pollJson('900'))[0]).toEqual({
      email: 'a@example.com',
      token: 'ta',
      status: 'Delivered',
      cost: 2,
      stopMail: true,
      date: String((T0 + HOUR) / SECOND),
    });
  });

  it('answers code 4 before visibleAt', async () => {
    sim.addMessage('901', [{ email: 'a@example.com', events: [{ atMs: T0, status: 'Waiting' }] }], {
      visibleAt: T0 + 60 * SECOND,
    });
    expect(await pollJson('901')).toMatchObject({ success: false, code: 4 });
    now = T0 + 60 * SECOND;
    expect(rows(await pollJson('901'))).toHaveLength(1);
  });

  it('replaces a script of the same id, and a later script replaces it', async () => {
    sim.script('902', [{ kind: 'empty' }]);
    sim.addMessage('902', [{ email: 'a@example.com', events: [{ atMs: T0, status: 'Waiting' }] }]);
    expect(rows(await pollJson('902'))).toHaveLength(1);
    sim.script('902', [{ kind: 'code', code: 4 }]);
    expect(await pollJson('902')).toMatchObject({ code: 4 });
    expect(sim.timeline('902')).toBeUndefined();
  });
});
