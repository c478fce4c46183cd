/**
 * The MailPartner client against the simulator over loopback: no mocked fetch,
 * both wire formats, every provider code and fault kind the simulator can send.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type MailPartnerSimulator, slow, startSimulator } from '../../local/simulator/server.ts';
import { createMailPartnerClient } from '../../shared/mailpartner/client.ts';
import {
  MessageNotFoundError,
  ProviderConfigurationError,
  RateLimitedError,
  TransientProviderError,
} from '../../shared/mailpartner/errors.ts';

const KEY = 'sim-KEY-314159';
let sim: MailPartnerSimulator;
beforeAll(async () => {
  sim = await startSimulator({ apiKey: KEY, clock: () => Date.parse('2026-11-27T10:00:00Z') });
});
afterAll(async () => {
  await sim?.close();
});

const client = (format: 'json' | 'xml', apiKey = KEY) =>
  createMailPartnerClient({
    apiKey,
    baseUrl: sim.url,
    format,
    retries: 1,
    minBackoffMs: 1,
    timeoutMs: 300,
  });

describe.each(['json', 'xml'] as const)('client ↔ simulator (%s)', (format) => {
  it('parses a success reply into typed recipients, unknown statuses untouched', async () => {
    sim.script(`ok-${format}`, [
      {
        kind: 'ok',
        recipients: [
          {
            email: 'a@x.fr',
            token: 't1',
            status: 'Delivered',
            cost: 1,
            stopMail: false,
            date: 1_764_237_600,
          },
          {
            email: 'b@x.fr',
            token: 't2',
            status: 'SPAM_COMPLAINT',
            cost: 0.5,
            stopMail: true,
            date: 1_764_237_660,
          },
        ],
      },
    ]);
    const reply = await client(format).bulkStatus(`ok-${format}`);
    expect(reply).toEqual({
      messageId: `ok-${format}`,
      recipients: [
        {
          email: 'a@x.fr',
          token: 't1',
          status: 'Delivered',
          cost: 1,
          stopMail: false,
          statusAt: '2025-11-27T10:00:00.000Z',
        },
        {
          email: 'b@x.fr',
          token: 't2',
          status: 'SPAM_COMPLAINT',
          cost: 0.5,
          stopMail: true,
          statusAt: '2025-11-27T10:01:00.000Z',
        },
      ],
    });
  });

  it('gives the same result for a generated message in both formats', async () => {
    const [id] = sim.generate({
      count: 1,
      seed: 7,
      recipientsPerMessage: 12,
      sentAt: Date.parse('2026-11-27T09:00:00Z'),
    });
    const json = await client('json').bulkStatus(String(id));
    const xml = await client('xml').bulkStatus(String(id));
    expect(xml).toEqual(json);
    expect(json.recipients).toHaveLength(12);
  });

  it.each([
    ['code 4', { kind: 'code', code: 4 }, MessageNotFoundError],
    ['code 429', { kind: 'code', code: 429 }, RateLimitedError],
    ['HTTP 429', { kind: 'http', status: 429 }, RateLimitedError],
    ['HTTP 503', { kind: 'http', status: 503 }, TransientProviderError],
    ['an HTML page', { kind: 'html' }, TransientProviderError],
    ['an empty body', { kind: 'empty' }, TransientProviderError],
    ['a truncated body', { kind: 'truncated' }, TransientProviderError],
    ['a dropped connection', { kind: 'reset' }, TransientProviderError],
    [
      'a reply slower than the timeout',
      slow(2_000, { kind: 'ok', recipients: [] }),
      TransientProviderError,
    ],
  ] as const)('maps %s to its typed error', async (label, reply, type) => {
    const id = `${label}-${format}`.replace(/\W/g, '-');
    sim.script(id, [reply as never]);
    const error = await client(format)
      .bulkStatus(id)
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(type);
    expect(String((error as Error).message)).not.toContain(KEY);
  });

  it('reports a rejected key (code 10) as a configuration error, without the key', async () => {
    const error = await client(format, 'wrong-KEY-271828')
      .bulkStatus('any')
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ProviderConfigurationError);
    expect((error as ProviderConfigurationError).providerCode).toBe(10);
    expect(JSON.stringify(error) + String((error as Error).stack)).not.toContain(
      'wrong-KEY-271828',
    );
  });
});
