/**
 * A wrong base URL through the real client against the simulator: an HTML 404
 * (`/v1` left out) is a configuration error naming MAILPARTNER_BASE_URL, sent
 * once and never retried; an HTML 5xx page stays a transient fault.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type MailPartnerSimulator, startSimulator } from '../../local/simulator/server.ts';
import { createMailPartnerClient } from '../../shared/mailpartner/client.ts';
import {
  ProviderConfigurationError,
  TransientProviderError,
} from '../../shared/mailpartner/errors.ts';

const KEY = 'sim-KEY-base-url-271828';
let sim: MailPartnerSimulator;
beforeAll(async () => {
  sim = await startSimulator({ apiKey: KEY, clock: () => Date.parse('2026-11-27T10:00:00Z') });
});
afterAll(async () => {
  await sim?.close();
});

const client = (baseUrl: string, format: 'json' | 'xml') =>
  createMailPartnerClient({
    apiKey: KEY,
    baseUrl,
    format,
    retries: 2,
    minBackoffMs: 1,
    timeoutMs: 1_000,
  });

describe.each(['json', 'xml'] as const)('base URL (%s)', (format) => {
  it('an HTML 404 (base URL without /v1) is a configuration error naming MAILPARTNER_BASE_URL, not retried', async () => {
    sim.script(`base-${format}`, [
      { kind: 'ok', recipients: [{ email: 'a@x.fr', status: 'Sent' }] },
    ]);
    const withoutV1 = sim.url.replace(/\/v1$/, '');
    expect(withoutV1).not.toBe(sim.url);
    const before = sim.requests.length;
    const error = await client(withoutV1, format)
      .bulkStatus(`base-${format}`)
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ProviderConfigurationError);
    expect((error as Error).message).toContain('MAILPARTNER_BASE_URL');
    expect((error as Error).message).toContain('HTTP 404');
    expect((error as Error).message).not.toContain(KEY);
    // One request: retrying cannot fix an address.
    const sent = sim.requests.slice(before);
    expect(sent.map((r) => [r.path, r.status])).toEqual([['/bulk-status', 404]]);
    // The right address works.
    await expect(client(sim.url, format).bulkStatus(`base-${format}`)).resolves.toMatchObject({
      recipients: [expect.objectContaining({ email: 'a@x.fr' })],
    });
  });

  it('an HTML 5xx page stays transient', async () => {
    sim.script(`down-${format}`, [{ kind: 'http', status: 503 }]);
    const error = await client(sim.url, format)
      .bulkStatus(`down-${format}`)
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TransientProviderError);
    expect((error as Error).message).not.toContain('MAILPARTNER_BASE_URL');
  });
});
