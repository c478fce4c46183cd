/**
 * Issue 16's engine findings about the terminal and a hung bus (6 and 7),
 * attacked as a hostile provider and a hostile bus would: the CLI run as a
 * process, the store on dynalite, the publisher against a socket that never
 * answers, all on loopback. One describe per finding; findings 1, 3 and 4 are in
 * attack-engine.test.ts.
 */
import { type AddressInfo, createServer, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRuntime } from '../../runtime/runtime.ts';
import { loadConfig } from '../../shared/config.ts';
import { runCycle } from '../../shared/sync/sync-cycle.ts';
import { runCli } from '../support/cli-process.ts';
import { type Harness, startHarness } from '../support/harness.ts';

const HOUR = 3_600_000;
const DATE = 1_764_230_400;

let h: Harness;
let counter = 0;
const newId = (prefix: string) => `${prefix}-${++counter}`;

beforeAll(async () => {
  h = await startHarness({ tableName: 'attack-engine-cli' });
});
afterAll(async () => {
  await h?.close();
});

/** Untracks and flushes whatever earlier tests left due, so each test sees only its messages. */
async function quiet(): Promise<void> {
  h.now += HOUR;
  for (const m of await h.store.listDue(new Date(h.now), { force: true })) {
    await h.store.untrack(m.messageId);
  }
  await runCycle(h.deps(), { force: true });
}

function onBus(messageId: string, detailType?: string) {
  return h.bus.events.filter(
    (e) => e.detail.messageId === messageId && (!detailType || e.detailType === detailType),
  );
}

const cli = (args: string[], env: Record<string, string>) => runCli(args, env);

describe('finding 6: provider strings reach the terminal as visible text only', () => {
  /** What a hostile provider puts in statuses and addresses, by what it does to a terminal. */
  const HOSTILE = {
    'OSC window title': '\u001b]0;pwned\u0007',
    'clear screen': '\u001b[2J\u001b[H',
    'hidden text': '\u001b[8msecret\u001b[0m',
    'OSC 52 clipboard write': '\u001b]52;c;Y3VybCBldmlsfHNo\u0007',
    'C1 CSI': '\u009b2J',
    'bare CR': 'Waiting\rDelivered',
    'line break': 'Waiting\nfake line',
    'bidi override': '\u202egnp.exe',
    'bidi isolate': '\u2066x\u2069',
    'zero width': 'Deli\u200bvered',
    'line separator': 'a\u2028b',
  } as const;
  /** Anything but the line breaks the CLI itself prints. */
  const RAW = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]/u;

  const rawIn = (text: string) =>
    text
      .split('\n')
      .filter((line) => RAW.test(line))
      .map((line) => JSON.stringify(line));

  it.each(Object.entries(HOSTILE))(
    '%s in a status and an address: poll, status and history print it escaped, --json verbatim',
    async (_name, hostile) => {
      await quiet();
      const id = newId('term');
      const status = `Sent${hostile}`;
      const email = `x${hostile}@evil.example`;
      h.simulator.script(id, [
        { kind: 'ok', recipients: [{ email, token: 't', status, date: DATE }] },
      ]);
      const env = h.env();
      expect((await cli(['track', id], env)).code).toBe(0);

      const poll = await cli(['poll', '--force'], env);
      const status1 = await cli(['status', id], env);
      const history = await cli(['history', id], env);
      for (const run of [poll, status1, history]) {
        expect(run.code).toBe(0);
        expect(rawIn(run.stdout)).toEqual([]);
        expect(rawIn(run.stderr)).toEqual([]);
      }
      // Visible: each character spelled as an escape, in place.
      const visible = [...hostile]
        .map((c) => (RAW.test(c) ? `\\u{${c.codePointAt(0)?.toString(16).toUpperCase()}}` : c))
        .join('');
      expect(poll.stdout).toContain(`Sent${visible}`);
      expect(status1.stdout).toContain(`x${visible}@evil.example`);
      expect(history.stdout).toContain(`Sent${visible}`);

      // --json is for programs: the exact strings, JSON-escaped.
      const json = await cli(['status', id, '--json'], env);
      expect(JSON.parse(json.stdout).recipients).toMatchObject([{ email, status }]);
    },
  );
});

describe('finding 7: a bus that accepts the connection and never answers', () => {
  it('poll ends in bounded time, 5 calls in all (no SDK retries stacked on ours), events left in the outbox', async () => {
    await quiet();
    const sockets = new Set<Socket>();
    let connections = 0;
    const hang = createServer((socket) => {
      connections += 1;
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
      socket.on('error', () => undefined);
    });
    await new Promise<void>((resolve) => hang.listen(0, '127.0.0.1', resolve));
    const { port } = hang.address() as AddressInfo;
    const id = newId('hung-bus');
    h.simulator.script(id, [
      {
        kind: 'ok',
        recipients: [
          { email: 'a@x.fr', token: 'a', status: 'Delivered', date: DATE },
          { email: 'b@x.fr', token: 'b', status: 'Waiting', date: DATE },
        ],
      },
    ]);
    await h.store.track(id, {}, new Date(h.now));

    const env = { ...h.env(), AWS_ENDPOINT_URL_EVENTBRIDGE: `http://127.0.0.1:${port}` };
    const saved = { ...process.env };
    // The SDK reads endpoints and credentials from the process environment.
    Object.assign(process.env, env);
    const rt = createRuntime(loadConfig(env), {
      awsTimeouts: { connectionTimeoutMs: 500, requestTimeoutMs: 2_000, busRequestTimeoutMs: 200 },
    });
    try {
      const summary = await runCycle(rt.syncDeps({ clock: () => new Date(h.now) }), {
        force: true,
      });
      const outcome = summary.outcomes.find((o) => o.messageId === id);
      // Polled and committed; the publish gave up: both events wait in the outbox.
      expect(outcome).toMatchObject({ kind: 'changed', changes: 2, published: 0, pending: 2 });
      // One publish: the first batch tried 5 times (the publisher's attempts), once each.
      expect(connections).toBe(5);
    } finally {
      rt.close();
      process.env = saved;
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => hang.close(resolve));
    }
    const loaded = await h.store.load(id);
    expect(loaded?.outbox.map((e) => e.detailType)).toEqual([
      'RecipientDelivered',
      'RecipientStatusChanged',
    ]);
    expect(onBus(id)).toEqual([]);

    // The bus is back: the next cycle publishes what was left.
    const next = await runCycle(h.deps(), { force: true });
    expect(next.outcomes.find((o) => o.messageId === id)).toMatchObject({ recovered: 2 });
    expect(onBus(id).map((e) => e.detailType)).toEqual([
      'RecipientDelivered',
      'RecipientStatusChanged',
    ]);
    expect((await h.store.load(id))?.outbox).toEqual([]);
  }, 60_000);
});
