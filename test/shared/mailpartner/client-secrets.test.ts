/**
 * The API key travels in the query string of every request: it must reach the
 * provider and nothing else, whatever fails.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  createMailPartnerClient,
  type MailPartnerClientOptions,
} from '../../../shared/mailpartner/client.ts';
import { MailPartnerError, TransientProviderError } from '../../../shared/mailpartner/errors.ts';
import { everythingShownBy } from '../../support/mailpartner-secrets.ts';
import {
  closedPort,
  type MailPartnerStub,
  type StubReply,
  startMailPartnerStub,
} from '../../support/mailpartner-stub-server.ts';

const KEY = 'SECRET-KEY-123';
/** A key that changes when URL- or JSON-encoded, to catch leaks of its encoded forms. */
const ODD_KEY = 'SECRET/KEY+123 &x';

let stub: MailPartnerStub;

beforeAll(async () => {
  stub = await startMailPartnerStub();
});
afterAll(async () => {
  await stub.close();
});
beforeEach(() => {
  stub.requests.length = 0;
});

function client(options: Partial<MailPartnerClientOptions> = {}) {
  return createMailPartnerClient({
    apiKey: KEY,
    baseUrl: stub.baseUrl,
    minBackoffMs: 1,
    retries: 1,
    ...options,
  });
}

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected a rejection');
}

function expectKeyFree(error: unknown, key: string): void {
  const shown = everythingShownBy(error);
  expect(shown.length).toBeGreaterThan(0);
  for (const spelling of [
    key,
    encodeURIComponent(key),
    new URLSearchParams({ k: key }).toString().slice(2),
  ]) {
    expect(shown).not.toContain(spelling);
  }
}

/** Replies that echo the request URL back, as error pages and debug APIs do. */
function echoing(key: string): [string, StubReply][] {
  const query = new URLSearchParams({ apiKey: key, messageId: '300' }).toString();
  const url = `/v1/bulk-status?${query}`;
  return [
    [
      'code 10 quoting the key',
      { body: { success: false, code: 10, message: `Clé API incorrecte: ${key}` } },
    ],
    ['code 4 quoting the URL', { body: { success: false, code: 4, message: url } }],
    ['unknown code quoting the key', { body: { success: false, code: 77, message: key } }],
    ['HTTP 429', { status: 429, body: `slow down ${key}` }],
    ['HTTP 500 page with the URL', { status: 500, body: `<pre>GET ${url} failed</pre>` }],
    ['HTML page with the key', { body: `<html>Forbidden for apiKey=${key}</html>` }],
    ['schema mismatch echoing the key', { body: { success: true, code: 200, apiKey: key } }],
    [
      'bad row echoing the key',
      { body: { success: true, code: 200, StatutResponseList: [{ token: key }] } },
    ],
    ['truncated JSON with the key', { body: `{"apiKey":"${key}","succ` }],
    [
      'XML error form with the key',
      { body: `<result><entry>false</entry><entry>1</entry><entry>${key}</entry></result>` },
    ],
  ];
}

describe('MailPartner client: the API key never leaks', () => {
  it('does send the key to the provider (so its absence below means something)', async () => {
    stub.script({ body: { success: true, code: 200, StatutResponseList: [] } });
    await client().bulkStatus('300');
    expect(stub.requests[0]?.url).toContain(`apiKey=${KEY}`);
  });

  for (const key of [KEY, ODD_KEY]) {
    it.each(echoing(key))(
      `%s: no trace of ${JSON.stringify(key)} in the error`,
      async (_label, reply) => {
        stub.script(reply);
        const error = await rejection(client({ apiKey: key }).bulkStatus('300'));
        expect(error).toBeInstanceOf(MailPartnerError);
        expectKeyFree(error, key);
      },
    );
  }

  it('a timeout error carries no key', async () => {
    stub.script({ body: '{}', delayMs: 2_000 });
    const error = await rejection(client({ timeoutMs: 50 }).bulkStatus('300'));
    expect(error).toBeInstanceOf(TransientProviderError);
    expectKeyFree(error, KEY);
  });

  it('a refused connection carries no key', async () => {
    const port = await closedPort();
    const error = await rejection(
      client({ baseUrl: `http://127.0.0.1:${port}/v1` }).bulkStatus('300'),
    );
    expect(error).toBeInstanceOf(TransientProviderError);
    expectKeyFree(error, KEY);
  });

  it('a network error whose message, cause and properties hold the URL is scrubbed', async () => {
    const port = await closedPort();
    // An HTTP stack that, unlike undici today, puts the full URL everywhere.
    const leakyFetch: typeof fetch = async (input, init) => {
      try {
        return await fetch(input, init);
      } catch (error) {
        const url = String(input);
        throw Object.assign(new TypeError(`fetch failed: GET ${url}`, { cause: error }), {
          url,
          request: { url, headers: { referer: url } },
        });
      }
    };
    const error = await rejection(
      client({ baseUrl: `http://127.0.0.1:${port}/v1`, fetch: leakyFetch }).bulkStatus('300'),
    );
    expect(error).toBeInstanceOf(TransientProviderError);
    // The cause is kept for debugging (with its own cause), just without the key.
    const cause = (error as Error).cause as Error;
    expect(cause.message).toContain('fetch failed: GET http://127.0.0.1');
    expect(cause.message).toContain('apiKey=***');
    const undiciError = cause.cause as Error;
    expect(undiciError.message).toBe('fetch failed');
    expect((undiciError.cause as { code?: string }).code).toBe('ECONNREFUSED');
    expectKeyFree(error, KEY);
  });

  it('a fetch implementation throwing a non-error string with the key is scrubbed', async () => {
    const throwingFetch: typeof fetch = async (input) => {
      throw `cannot GET ${String(input)}`;
    };
    const error = await rejection(client({ fetch: throwingFetch }).bulkStatus('300'));
    expect(error).toBeInstanceOf(TransientProviderError);
    expectKeyFree(error, KEY);
  });

  it('a fetch implementation that throws synchronously is handled the same way', async () => {
    const throwingFetch = ((input: URL) => {
      throw new Error(`bad ${input.href}`);
    }) as unknown as typeof fetch;
    const error = await rejection(client({ fetch: throwingFetch }).bulkStatus('300'));
    expect(error).toBeInstanceOf(TransientProviderError);
    expectKeyFree(error, KEY);
  });
});

/**
 * Issue 16 finding 11: the key in other spellings. Each is how some server,
 * proxy or framework might quote the key back in an error body.
 */
const upperPercent = (key: string) => encodeURIComponent(key);
const lowerPercent = (key: string) =>
  encodeURIComponent(key).replace(/%[0-9A-F]{2}/g, (m) => m.toLowerCase());
const everyCharAs = (key: string, form: (cp: number) => string) =>
  Array.from(key, (c) => form(c.codePointAt(0) ?? 0)).join('');

function otherSpellings(key: string): [string, string][] {
  return [
    ['percent-encoded, upper-case hex', upperPercent(key)],
    ['percent-encoded, lower-case hex', lowerPercent(key)],
    ['every character percent-encoded', everyCharAs(key, (cp) => `%${cp.toString(16)}`)],
    ['form-encoded (space as +)', new URLSearchParams({ k: key }).toString().slice(2)],
    [
      'form-encoded, lower-case hex',
      new URLSearchParams({ k: key })
        .toString()
        .slice(2)
        .replace(/%[0-9A-F]{2}/g, (m) => m.toLowerCase()),
    ],
    ['"/" as &#x2F; only', key.replaceAll('/', '&#x2F;')],
    ['"/" as &#47; and "&" as &amp;', key.replaceAll('&', '&amp;').replaceAll('/', '&#47;')],
    ['every character as a decimal reference', everyCharAs(key, (cp) => `&#${cp};`)],
    [
      'every character as a hex reference, upper case',
      everyCharAs(key, (cp) => `&#X${cp.toString(16).toUpperCase()};`),
    ],
    [
      'named references (&sol; &plus; &amp;)',
      key.replaceAll('&', '&amp;').replaceAll('/', '&sol;').replaceAll('+', '&plus;'),
    ],
    [
      'JSON \\u escapes, lower case',
      everyCharAs(key, (cp) => `\\u${cp.toString(16).padStart(4, '0')}`),
    ],
    [
      'JSON \\u escapes, upper case',
      everyCharAs(key, (cp) => `\\u${cp.toString(16).toUpperCase().padStart(4, '0')}`),
    ],
    ['PHP JSON (\\/)', JSON.stringify(key).slice(1, -1).replaceAll('/', '\\/')],
    ['mixed: lower-case percent and a reference', lowerPercent(key).replace('S', '&#83;')],
  ];
}

describe('finding 11: the key in other spellings never leaks', () => {
  for (const [label, spelled] of otherSpellings(ODD_KEY)) {
    it.each([
      ['code 10 quoting it', { body: { success: false, code: 10, message: `bad key ${spelled}` } }],
      ['HTTP 500 page quoting it', { status: 500, body: `<pre>apiKey=${spelled}</pre>` }],
      [
        // A string body, so the spelling is sent as is (an object would be JSON-escaped again).
        'a schema mismatch echoing it',
        { body: `{"success":true,"code":200,"echo":"${spelled}"}` },
      ],
    ] as [string, StubReply][])(`${label}: %s`, async (_what, reply) => {
      stub.script(reply);
      const error = await rejection(client({ apiKey: ODD_KEY }).bulkStatus('300'));
      expect(error).toBeInstanceOf(MailPartnerError);
      const shown = everythingShownBy(error);
      expect(shown).not.toContain(spelled);
      expect(shown).not.toContain(ODD_KEY);
      // The body was quoted, masked (so the absence above is the mask's doing).
      expect(shown).toContain('***');
    });
  }

  it('a base URL with user info is refused without printing the password', () => {
    const error = (() => {
      try {
        client({ baseUrl: `http://user:hunter2@127.0.0.1:1/v1` });
      } catch (e) {
        return e;
      }
      return null;
    })();
    expect(error).toBeInstanceOf(TypeError);
    expect((error as Error).message).toMatch(/user info/);
    expect(everythingShownBy(error)).not.toContain('hunter2');
  });

  it('a network error naming a URL with user info does not print the password', async () => {
    const port = await closedPort();
    const leakyFetch = (async () => {
      throw new TypeError(`connect failed for http://admin:hunter2@127.0.0.1:${port}/v1`, {
        cause: new Error('see https://admin:hunter2@proxy.example/'),
      });
    }) as unknown as typeof fetch;
    const error = await rejection(client({ fetch: leakyFetch, retries: 0 }).bulkStatus('300'));
    expect(error).toBeInstanceOf(TransientProviderError);
    expect(everythingShownBy(error)).not.toContain('hunter2');
  });
});
