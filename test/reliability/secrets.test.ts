/**
 * The MailPartner API key travels in the query string of every request, so every
 * HTTP error is a chance to leak it. Full cycles run with a recognisable key
 * (characters that URL, form, JSON and XML encoding all spell differently) and
 * with every provider fault, including a provider that echoes the key back; then
 * every place a key could end up is searched for it in all its spellings: log
 * lines (the use case's logger and the Lambda handler's Powertools output),
 * error messages, causes and stacks, CLI output, events on the bus and DynamoDB
 * items.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { inspect } from 'node:util';
import { gunzipSync } from 'node:zlib';
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { ScanCommand } from '@aws-sdk/client-dynamodb';
import type { Context } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createHandler } from '../../functions/poller.ts';
import {
  type MailPartnerSimulator,
  type ScriptedReply,
  slow,
  startSimulator,
} from '../../local/simulator/server.ts';
import { createMailPartnerClient } from '../../shared/mailpartner/client.ts';
import type { StatusProvider, SyncDeps, SyncLogger } from '../../shared/ports.ts';
import { runCycle } from '../../shared/sync/sync-cycle.ts';
import type { MessageOutcome } from '../../shared/sync/sync-message.ts';
import { runCli } from '../support/cli-process.ts';
import { type Harness, startHarness } from '../support/harness.ts';

/** Recognisable, and spelled differently by every encoding: '/', '+', '&', '=', space, 'é', '%'. */
const KEY = 'mpK3Yq/7f+Zw&x=1 é%';
const WRONG_KEY = 'mpW8ong/9g+Vv&y=2 ü%';

/** Every spelling under which a key could leak, plus a fragment that no other text contains. */
function spellings(key: string): string[] {
  const json = JSON.stringify(key).slice(1, -1);
  return [
    ...new Set([
      key,
      encodeURIComponent(key),
      new URLSearchParams({ k: key }).toString().slice(2),
      encodeURI(key),
      json,
      json.replaceAll('/', '\\/'),
      key.replaceAll('&', '&amp;'),
      Buffer.from(key).toString('base64'),
      key.slice(0, 6),
    ]),
  ];
}
const FORBIDDEN = [...spellings(KEY), ...spellings(WRONG_KEY)];

/** Where each forbidden spelling occurs in `text`, with a little context. */
function leaks(text: string): string[] {
  return FORBIDDEN.flatMap((s) => {
    const at = text.indexOf(s);
    return at < 0 ? [] : [`${JSON.stringify(s)} in …${text.slice(Math.max(0, at - 60), at + 60)}…`];
  });
}

let h: Harness;
let sim: MailPartnerSimulator;
/** A loopback URL nothing listens on (connection refused). */
let closedUrl: string;
beforeAll(async () => {
  h = await startHarness({ tableName: 'secrets' });
  sim = await startSimulator({ apiKey: KEY, clock: () => h.now });
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  closedUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
  await new Promise<void>((resolve) => server.close(() => resolve()));
});
afterAll(async () => {
  await sim?.close();
  await h?.close();
});

/** Everything a run wrote or returned, as text. */
const corpus = {
  logs: [] as string[],
  errors: [] as string[],
  cli: [] as string[],
  lambda: [] as string[],
};

const logger: SyncLogger = {
  info: (message, extra) => corpus.logs.push(`INFO ${message} ${inspect(extra, { depth: 20 })}`),
  warn: (message, extra) => corpus.logs.push(`WARN ${message} ${inspect(extra, { depth: 20 })}`),
  error: (message, extra) => corpus.logs.push(`ERROR ${message} ${inspect(extra, { depth: 20 })}`),
};

function provider(options: { key?: string; baseUrl?: string } = {}): StatusProvider {
  return createMailPartnerClient({
    apiKey: options.key ?? KEY,
    baseUrl: options.baseUrl ?? sim.url,
    retries: 1,
    minBackoffMs: 1,
    timeoutMs: 300,
  });
}

function deps(p: StatusProvider = provider()): SyncDeps {
  return { ...h.deps({ provider: p }), log: logger };
}

/** Message text, every cause's message and stack, and every own property, of each failure. */
function recordOutcomes(outcomes: readonly MessageOutcome[]): void {
  for (const o of outcomes) {
    if (o.kind !== 'error') continue;
    corpus.errors.push(o.message, inspect(o.error, { depth: 20, showHidden: true }));
    let cause: unknown = o.error;
    for (let depth = 0; cause instanceof Error && depth < 10; depth++) {
      corpus.errors.push(cause.message, String(cause.stack));
      cause = cause.cause;
    }
  }
}

const echoed = `GET /v1/bulk-status?apiKey=${encodeURIComponent(KEY)}&messageId=x`;
const FAULTS: readonly (readonly [string, ScriptedReply])[] = [
  ['http-502', { kind: 'http', status: 502 }],
  [
    'http-503-echoing-the-url',
    { kind: 'http', status: 503, body: `<html>upstream failed: ${echoed}</html>` },
  ],
  ['html-200', { kind: 'html' }],
  ['truncated', { kind: 'truncated' }],
  ['reset-mid-body', { kind: 'reset' }],
  ['timeout', slow(1_500, { kind: 'ok', recipients: [] })],
  [
    'code-99-echoing-the-key',
    {
      kind: 'raw',
      body: JSON.stringify({ success: false, code: 99, message: `bad key ${KEY} (${echoed})` }),
    },
  ],
  [
    'xml-echoing-the-key',
    {
      kind: 'raw',
      contentType: 'application/xml',
      body: `<result><entry>false</entry><entry>99</entry><entry>key=${KEY.replaceAll('&', '&amp;')}</entry></result>`,
    },
  ],
  ['code-10-echoing-the-key', { kind: 'code', code: 10, message: `Clé API incorrecte: ${KEY}` }],
  ['http-429', { kind: 'http', status: 429, headers: { 'retry-after': '1' } }],
  ['code-429', { kind: 'code', code: 429 }],
  ['code-4', { kind: 'code', code: 4 }],
];

describe('the API key never leaves the client', () => {
  it('the search finds the key in any of its spellings (so a clean result means something)', () => {
    for (const spelled of spellings(KEY)) expect(leaks(`…url?apiKey=${spelled}&x`)).not.toEqual([]);
    expect(leaks(new URL(`http://h/?${new URLSearchParams({ apiKey: KEY })}`).href)).not.toEqual(
      [],
    );
    expect(leaks('apiKey=*** and nothing else')).toEqual([]);
  });

  it('full cycles with every provider fault: no log line, error, event or stored item holds the key', async () => {
    const kinds = new Set<string>();
    // A message that changes, with PutEvents failures on the way (warnings in the log).
    h.simulator.script('unused', [{ kind: 'code', code: 4 }]);
    sim.script('sec-ok', [
      { kind: 'ok', recipients: [{ email: 'a@x.fr', status: 'Waiting' }] },
      { kind: 'ok', recipients: [{ email: 'a@x.fr', status: 'Delivered' }] },
    ]);
    await h.store.track('sec-ok', { campaign: 'secrets' }, new Date(h.now));
    h.bus.failNext({ entries: [0], errorCode: 'InternalFailure', times: 3 });
    for (let i = 0; i < 3; i++) {
      h.now += 60_000;
      const s = await runCycle(deps(), { force: true });
      recordOutcomes(s.outcomes);
    }
    await h.store.untrack('sec-ok');

    // Each fault in a cycle of its own (429 and code 10 stop a cycle).
    for (const [name, reply] of FAULTS) {
      const id = `sec-${name}`;
      sim.script(id, [reply]);
      await h.store.track(id, {}, new Date(h.now));
      h.now += 60_000;
      const s = await runCycle(deps(), { force: true });
      recordOutcomes(s.outcomes);
      for (const o of s.outcomes) if (o.kind === 'error') kinds.add(o.errorKind);
      await h.store.untrack(id);
    }
    // A wrong key, and a provider that cannot be reached at all.
    await h.store.track('sec-reach', {}, new Date(h.now));
    sim.script('sec-reach', [{ kind: 'ok', recipients: [] }]);
    for (const p of [provider({ key: WRONG_KEY }), provider({ baseUrl: closedUrl })]) {
      h.now += 60_000;
      const s = await runCycle(deps(p), { force: true });
      recordOutcomes(s.outcomes);
      for (const o of s.outcomes) if (o.kind === 'error') kinds.add(o.errorKind);
    }

    // The faults really happened, and were described.
    expect([...kinds].sort()).toEqual(['configuration', 'not-found', 'rate-limited', 'transient']);
    const errors = corpus.errors.join('\n');
    for (const said of [
      'HTTP 502',
      'HTTP 503',
      'HTML page',
      'did not answer within 300 ms',
      'rejected the API key',
      'rate limit',
      'ECONNREFUSED',
    ]) {
      expect(errors).toContain(said);
    }
    expect(corpus.logs.join('\n')).toContain('events left in the outbox');

    const items = await h.dynamo.client().send(new ScanCommand({ TableName: 'secrets' }));
    const stored = JSON.stringify(items.Items, (_k, v) => {
      if (v && typeof v === 'object' && 'B' in v && v.B instanceof Uint8Array) {
        try {
          return gunzipSync(v.B).toString('utf8');
        } catch {
          return Buffer.from(v.B).toString('latin1');
        }
      }
      return v;
    });
    expect(stored).toContain('a@x.fr');
    expect(h.bus.events.length).toBeGreaterThan(0);

    expect(leaks(corpus.logs.join('\n'))).toEqual([]);
    expect(leaks(errors)).toEqual([]);
    expect(leaks(JSON.stringify(h.bus.events))).toEqual([]);
    expect(leaks(stored)).toEqual([]);
  });

  it("the Lambda handler's log and metric output holds no key, faults included", async () => {
    const written: string[] = [];
    const capture = (chunk: unknown) => {
      written.push(
        typeof chunk === 'string' ? chunk : Buffer.from(chunk as Uint8Array).toString('utf8'),
      );
      return true;
    };
    const out = vi.spyOn(process.stdout, 'write').mockImplementation(capture);
    const err = vi.spyOn(process.stderr, 'write').mockImplementation(capture);
    const log = vi.spyOn(console, 'log').mockImplementation((...a) => capture(a.join(' ')));
    try {
      // Up to the first 429, which stops the cycle.
      for (const [name, reply] of FAULTS.slice(0, 10)) {
        sim.script(`lambda-${name}`, [reply]);
        await h.store.track(`lambda-${name}`, {}, new Date(h.now));
      }
      const handler = createHandler({
        syncDeps: () => deps(),
        concurrency: 4,
        budgetPerMinute: 100,
        logger: new Logger({ serviceName: 'secrets-test', logLevel: 'DEBUG' }),
        metrics: new Metrics({ namespace: 'SecretsTest', serviceName: 'poller' }),
      });
      const context = {
        functionName: 'poller',
        functionVersion: '$LATEST',
        invokedFunctionArn: 'arn:aws:lambda:us-east-1:123456789012:function:poller',
        memoryLimitInMB: '256',
        awsRequestId: 'req-1',
        getRemainingTimeInMillis: () => 60_000,
      } as unknown as Context;
      h.now += 60_000;
      const summary = await handler({}, context);
      corpus.lambda.push(...written);
      expect(Object.keys(summary.errors).length).toBeGreaterThan(0);
    } finally {
      out.mockRestore();
      err.mockRestore();
      log.mockRestore();
    }
    const output = corpus.lambda.join('');
    expect(output).toContain('message sync failed');
    expect(leaks(output)).toEqual([]);
  });

  async function cli(args: string[], key: string): Promise<string> {
    const { stdout, stderr } = await runCli(args, {
      ...h.env(),
      MAILPARTNER_API_KEY: key,
      MAILPARTNER_BASE_URL: sim.url,
    });
    return `${stdout}\n${stderr}`;
  }

  it('CLI output holds no key, with faults and with a rejected key', async () => {
    for (const m of await h.store.listDue(new Date(h.now), { force: true }))
      await h.store.untrack(m.messageId);
    for (const [name, reply] of FAULTS) sim.script(`cli-${name}`, [reply]);
    const track = (name: string) => h.store.track(`cli-${name}`, {}, new Date(h.now));
    for (const name of [
      'http-502',
      'http-503-echoing-the-url',
      'code-99-echoing-the-key',
      'xml-echoing-the-key',
    ]) {
      await track(name);
    }
    const outputs = [
      await cli(['poll', '--force'], KEY),
      await cli(['poll', '--force', '--json'], KEY),
      await cli(['status', 'cli-http-502'], KEY),
    ];
    await track('code-10-echoing-the-key');
    outputs.push(
      await cli(['poll', '--force', '--verbose'], KEY),
      await cli(['poll', '--force'], WRONG_KEY),
    );
    corpus.cli.push(...outputs);
    const all = outputs.join('\n');
    expect(all).toContain('HTTP 502');
    expect(all).toMatch(/rejected the API key/);
    expect(leaks(all)).toEqual([]);
  });
});
