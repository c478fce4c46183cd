import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createFaultInjector } from '../../../local/simulator/faults.ts';
import {
  type FaultOptions,
  type MailPartnerSimulator,
  startSimulator,
} from '../../../local/simulator/server.ts';

const API_KEY = 'test-key';
const T0 = Date.UTC(2025, 0, 6, 9, 0, 0);

let sim: MailPartnerSimulator;
let messageId: string;
beforeEach(async () => {
  sim = await startSimulator({ apiKey: API_KEY, clock: () => T0 + 3_600_000 });
  [messageId] = sim.generate({ count: 1, sentAt: T0, recipientsPerMessage: 8 }) as [string];
});
afterEach(async () => {
  await sim.close();
});

function poll(id = messageId, key = API_KEY): Promise<Response> {
  return fetch(`${sim.url}/bulk-status?apiKey=${key}&messageId=${id}`);
}

/** The reply without faults, to compare faulty ones with. */
async function cleanBody(): Promise<string> {
  sim.setFaults({});
  const body = await (await poll()).text();
  return body;
}

async function pollMany(n: number): Promise<Array<{ status: number; body: string }>> {
  const out: Array<{ status: number; body: string }> = [];
  // Sequential on purpose: the fault stream is drawn in arrival order.
  for (let i = 0; i < n; i++) {
    const res = await poll();
    out.push({ status: res.status, body: await res.text() });
  }
  return out;
}

describe('setFaults', () => {
  it('turns throttling into HTTP 429 half of the time and into provider code 429 otherwise', async () => {
    sim.setFaults({ seed: 3, rate429: 1 });
    const replies = await pollMany(40);
    const http = replies.filter((r) => r.status === 429);
    const coded = replies.filter(
      (r) => r.status === 200 && JSON.parse(r.body).code === 429 && !JSON.parse(r.body).success,
    );
    expect(http.length + coded.length).toBe(40);
    expect(http.length).toBeGreaterThan(8);
    expect(coded.length).toBeGreaterThan(8);
    expect(sim.requests.every((r) => r.fault === '429')).toBe(true);
  });

  it('injects 5xx statuses with an HTML page', async () => {
    sim.setFaults({ rate5xx: 1 });
    const replies = await pollMany(20);
    for (const r of replies) {
      expect([500, 502, 503, 504]).toContain(r.status);
      expect(r.body).toMatch(/<html>/);
    }
    expect(new Set(replies.map((r) => r.status)).size).toBeGreaterThan(1);
  });

  it('injects HTML pages with HTTP 200', async () => {
    sim.setFaults({ rateHtml: 1 });
    const [reply] = await pollMany(1);
    expect(reply?.status).toBe(200);
    expect(reply?.body).toMatch(/^<!DOCTYPE html>/);
  });

  it('injects the real reply cut in the middle', async () => {
    const clean = await cleanBody();
    sim.setFaults({ rateTruncated: 1 });
    const [reply] = await pollMany(1);
    expect(reply?.body).toBe(clean.slice(0, Math.floor(clean.length / 2)));
    expect(() => JSON.parse(reply?.body ?? '')).toThrow();
  });

  it('delays the real reply by slowMs', async () => {
    const clean = await cleanBody();
    sim.setFaults({ rateSlow: 1, slowMs: 120 });
    const started = performance.now();
    const [reply] = await pollMany(1);
    expect(performance.now() - started).toBeGreaterThanOrEqual(110);
    expect(reply?.body).toBe(clean);
    expect(sim.requests.at(-1)).toMatchObject({ fault: 'slow', delayMs: 120, reply: 'ok' });
  });

  it('drops the connection mid-body for reset', async () => {
    sim.setFaults({ rateReset: 1 });
    const res = await poll();
    await expect(res.text()).rejects.toThrow();
  });

  it('mixes faults at roughly the configured rates and leaves the rest untouched', async () => {
    const clean = await cleanBody();
    sim.clearRequests();
    sim.setFaults({ seed: 9, rate5xx: 0.2, rateHtml: 0.1 });
    const replies = await pollMany(200);
    const fivexx = replies.filter((r) => r.status >= 500).length;
    const html = replies.filter((r) => r.status === 200 && r.body.startsWith('<!DOCTYPE')).length;
    const untouched = replies.filter((r) => r.body === clean).length;
    expect(fivexx).toBeGreaterThan(20);
    expect(fivexx).toBeLessThan(60);
    expect(html).toBeGreaterThan(5);
    expect(html).toBeLessThan(35);
    expect(fivexx + html + untouched).toBe(200);
    expect(sim.requests.filter((r) => r.fault === null)).toHaveLength(untouched);
  });

  it('replays the same faults for the same seed', async () => {
    const faults: FaultOptions = { seed: 21, rate429: 0.2, rate5xx: 0.2, rateTruncated: 0.2 };
    sim.setFaults(faults);
    await pollMany(30);
    const first = sim.requests.map((r) => `${r.fault}:${r.status}:${r.code}`);
    sim.clearRequests();
    sim.setFaults(faults);
    await pollMany(30);
    expect(sim.requests.map((r) => `${r.fault}:${r.status}:${r.code}`)).toEqual(first);
    expect(new Set(first).size).toBeGreaterThan(2);
  });

  it('spares scripted messages, unknown ids and key errors', async () => {
    sim.script('s', [{ kind: 'ok', recipients: [] }]);
    sim.setFaults({ rate5xx: 1 });
    expect(await (await poll('s')).json()).toMatchObject({ success: true });
    expect(await (await poll('unknown')).json()).toMatchObject({ code: 4 });
    expect(await (await poll(messageId, 'bad')).json()).toMatchObject({ code: 10 });
    expect((await poll()).status).toBeGreaterThanOrEqual(500);
  });

  it('turns faults off with an empty setting', async () => {
    sim.setFaults({ rate5xx: 1 });
    sim.setFaults({});
    const replies = await pollMany(5);
    expect(replies.every((r) => r.status === 200 && JSON.parse(r.body).success)).toBe(true);
  });
});

describe('createFaultInjector', () => {
  it.each([
    [{ rate429: -0.1 }],
    [{ rate5xx: 1.5 }],
    [{ rateHtml: Number.NaN }],
    [{ rate429: 0.6, rate5xx: 0.6 }],
  ])('rejects impossible rates %j', (options) => {
    expect(() => createFaultInjector(options)).toThrow(RangeError);
  });

  it('accepts rates that add up to 1 up to rounding', () => {
    expect(() => createFaultInjector({ rate429: 0.1, rate5xx: 0.2, rateHtml: 0.7 })).not.toThrow();
  });
});
