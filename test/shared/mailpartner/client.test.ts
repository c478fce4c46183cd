import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  createMailPartnerClient,
  DEFAULT_BASE_URL,
  type MailPartnerClientOptions,
} from '../../../shared/mailpartner/client.ts';
import {
  MailPartnerError,
  MessageNotFoundError,
  ProviderBadRequestError,
  ProviderConfigurationError,
  RateLimitedError,
  ReplyTooLargeError,
  TransientProviderError,
} from '../../../shared/mailpartner/errors.ts';
import {
  closedPort,
  type MailPartnerStub,
  startMailPartnerStub,
} from '../../support/mailpartner-stub-server.ts';

const KEY = 'SECRET-KEY-123';

const row = {
  email: 'email1',
  token: 'xxx',
  status: 'Delivered',
  cost: 1,
  stopMail: true,
  date: '1599061044',
};
const ok = { success: true, code: 200, messageId: '300', StatutResponseList: [row] };

let stub: MailPartnerStub;

beforeAll(async () => {
  stub = await startMailPartnerStub();
});
afterAll(async () => {
  await stub.close();
});
beforeEach(() => {
  stub.requests.length = 0;
  stub.script({ body: ok });
});

function client(options: Partial<MailPartnerClientOptions> = {}) {
  return createMailPartnerClient({
    apiKey: KEY,
    baseUrl: stub.baseUrl,
    minBackoffMs: 1,
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

async function mailPartnerRejection(promise: Promise<unknown>): Promise<MailPartnerError> {
  const error = await rejection(promise);
  expect(error).toBeInstanceOf(MailPartnerError);
  return error as MailPartnerError;
}

describe('createMailPartnerClient: the request', () => {
  it('GETs {baseUrl}/bulk-status with the key and messageId URL-encoded, asking for JSON', async () => {
    stub.script({ body: { ...ok, messageId: 'id/7?x&y' } });
    await client({ apiKey: 'k&y=1 2' }).bulkStatus('id/7?x&y');
    expect(stub.requests).toHaveLength(1);
    const [request] = stub.requests;
    const url = new URL(request?.url ?? '', 'http://stub');
    expect(request?.method).toBe('GET');
    expect(url.pathname).toBe('/v1/bulk-status');
    expect(url.searchParams.get('apiKey')).toBe('k&y=1 2');
    expect(url.searchParams.get('messageId')).toBe('id/7?x&y');
    expect(url.searchParams.has('_format')).toBe(false);
    expect(request?.headers.accept).toBe('application/json');
  });

  it('accepts a baseUrl with a trailing slash', async () => {
    await client({ baseUrl: `${stub.baseUrl}/` }).bulkStatus('300');
    expect(stub.requests[0]?.url).toMatch(/^\/v1\/bulk-status\?/);
  });

  it('defaults to the production API', () => {
    expect(DEFAULT_BASE_URL).toBe('https://api.mailpartner.fr/v1');
  });

  it('returns the parsed BulkStatus', async () => {
    await expect(client().bulkStatus('300')).resolves.toEqual({
      messageId: '300',
      recipients: [
        {
          email: 'email1',
          token: 'xxx',
          status: 'Delivered',
          cost: 1,
          stopMail: true,
          statusAt: '2020-09-02T15:37:24.000Z',
        },
      ],
    });
  });

  it('asks for XML with _format=xml and reads the XML reply', async () => {
    stub.script({
      headers: { 'content-type': 'application/xml' },
      body: `<?xml version="1.0" encoding="UTF-8"?>
<result><entry>true</entry><entry>200</entry><entry><![CDATA[300]]></entry>
<entry><entry><entry><![CDATA[a@x.fr]]></entry><entry>t</entry><entry>Opened</entry>
<entry>0.5</entry><entry>false</entry><entry>1599061044</entry></entry></entry></result>`,
    });
    const reply = await client({ format: 'xml' }).bulkStatus('300');
    const url = new URL(stub.requests[0]?.url ?? '', 'http://stub');
    expect(url.searchParams.get('_format')).toBe('xml');
    expect(stub.requests[0]?.headers.accept).toContain('application/xml');
    expect(reply.recipients).toEqual([
      {
        email: 'a@x.fr',
        token: 't',
        status: 'Opened',
        cost: 0.5,
        stopMail: false,
        statusAt: '2020-09-02T15:37:24.000Z',
      },
    ]);
  });

  it('reports an empty API key without sending a request', async () => {
    const error = await mailPartnerRejection(client({ apiKey: '' }).bulkStatus('300'));
    expect(error).toBeInstanceOf(ProviderConfigurationError);
    expect(error.message).toContain('MAILPARTNER_API_KEY');
    expect(stub.requests).toHaveLength(0);
  });

  it('reports an empty messageId as a bad request without sending a request', async () => {
    const error = await mailPartnerRejection(client().bulkStatus(' '));
    expect(error).toBeInstanceOf(ProviderBadRequestError);
    expect(stub.requests).toHaveLength(0);
  });

  it.each([
    [{ baseUrl: 'not a url' }, TypeError],
    [{ baseUrl: 'ftp://example.com' }, TypeError],
    [{ timeoutMs: 0 }, RangeError],
    [{ retries: -1 }, RangeError],
    [{ retries: 1.5 }, RangeError],
    [{ minBackoffMs: Number.NaN }, RangeError],
  ])('refuses unusable options %j at creation', (options, type) => {
    expect(() => client(options)).toThrow(type);
  });
});

describe('createMailPartnerClient: provider codes', () => {
  it.each([
    [1, ProviderConfigurationError, 'configuration'],
    [10, ProviderConfigurationError, 'configuration'],
    [3, ProviderBadRequestError, 'bad-request'],
    [4, MessageNotFoundError, 'not-found'],
    [429, RateLimitedError, 'rate-limited'],
  ])('code %i becomes %o (%s) after exactly one request', async (code, type, kind) => {
    stub.script({ body: { success: false, code, message: 'from provider' } });
    const error = await mailPartnerRejection(client({ retries: 3 }).bulkStatus('300'));
    expect(error).toBeInstanceOf(type);
    expect(error.kind).toBe(kind);
    expect(error.providerCode).toBe(code);
    expect(stub.requests).toHaveLength(1);
  });

  it('judges by the body, not the HTTP status: code 10 under HTTP 401', async () => {
    stub.script({ status: 401, body: { success: false, code: 10, message: 'Clé API incorrecte' } });
    const error = await mailPartnerRejection(client().bulkStatus('300'));
    expect(error).toBeInstanceOf(ProviderConfigurationError);
    expect(error.httpStatus).toBe(401);
    expect(error.message).toBe(
      'MailPartner rejected the API key (code 10, "Clé API incorrecte"): check MAILPARTNER_API_KEY',
    );
  });

  it('judges by the body: a success under HTTP 404 is a success', async () => {
    stub.script({ status: 404, body: ok });
    await expect(client().bulkStatus('300')).resolves.toMatchObject({ messageId: '300' });
  });

  it('code 429 in the body carries the Retry-After delay', async () => {
    stub.script({ headers: { 'retry-after': '7' }, body: { success: false, code: 429 } });
    const error = await mailPartnerRejection(client().bulkStatus('300'));
    expect(error).toBeInstanceOf(RateLimitedError);
    expect((error as RateLimitedError).retryAfterMs).toBe(7000);
  });

  it('HTTP 429 is RateLimitedError with Retry-After, whatever the body, after one request', async () => {
    stub.script({ status: 429, headers: { 'retry-after': '30' }, body: 'Too Many Requests' });
    const error = await mailPartnerRejection(client({ retries: 3 }).bulkStatus('300'));
    expect(error).toBeInstanceOf(RateLimitedError);
    expect(error).toMatchObject({ httpStatus: 429, retryAfterMs: 30_000, retryable: true });
    expect(stub.requests).toHaveLength(1);
  });

  it('HTTP 429 without Retry-After leaves retryAfterMs undefined', async () => {
    stub.script({ status: 429, body: '' });
    const error = await mailPartnerRejection(client().bulkStatus('300'));
    expect((error as RateLimitedError).retryAfterMs).toBeUndefined();
  });

  it('an unknown code is transient: retried, then thrown', async () => {
    stub.script({ body: { success: false, code: 77, message: '?' } });
    const error = await mailPartnerRejection(client({ retries: 2 }).bulkStatus('300'));
    expect(error).toBeInstanceOf(TransientProviderError);
    expect(error.providerCode).toBe(77);
    expect(stub.requests).toHaveLength(3);
  });
});

describe('createMailPartnerClient: transient faults', () => {
  it.each([
    ['HTTP 500', { status: 500, body: 'Internal Server Error' }, 'HTTP 500'],
    ['HTTP 502 HTML', { status: 502, body: '<html><h1>502 Bad Gateway</h1></html>' }, 'HTTP 502'],
    // HTTP 5xx wins over a body that would otherwise be a permanent error.
    ['HTTP 503 with code 10', { status: 503, body: { success: false, code: 10 } }, 'HTTP 503'],
    ['an HTML page', { body: '<!DOCTYPE html><html><body>Maintenance</body></html>' }, 'HTML page'],
    ['an empty body', { body: '' }, 'empty body'],
    ['truncated JSON', { body: '{"success":true,"code":200,"Statut' }, 'not valid JSON'],
    ['a schema mismatch', { body: { success: true, code: 200 } }, 'StatutResponseList'],
    ['a dropped connection', { body: ok, hangUpAfterBytes: 20 }, 'Could not get a reply'],
  ])('%s is retried exactly `retries` times, then thrown', async (_label, reply, says) => {
    stub.script(reply);
    const error = await mailPartnerRejection(client({ retries: 2 }).bulkStatus('300'));
    expect(error).toBeInstanceOf(TransientProviderError);
    expect(error).toMatchObject({ kind: 'transient', retryable: true });
    expect(error.message).toContain(says);
    expect(stub.requests).toHaveLength(3);
  });

  it('a slow server times out per attempt, is retried, then thrown', async () => {
    stub.script({ body: ok, delayMs: 2_000 });
    const started = performance.now();
    const error = await mailPartnerRejection(
      client({ timeoutMs: 100, retries: 1 }).bulkStatus('300'),
    );
    expect(error).toBeInstanceOf(TransientProviderError);
    expect(error.message).toContain('did not answer within 100 ms');
    expect(stub.requests).toHaveLength(2);
    expect(performance.now() - started).toBeLessThan(1_500);
  });

  it('a refused connection is transient and keeps a cause', async () => {
    const port = await closedPort();
    const error = await mailPartnerRejection(
      client({ baseUrl: `http://127.0.0.1:${port}/v1`, retries: 1 }).bulkStatus('300'),
    );
    expect(error).toBeInstanceOf(TransientProviderError);
    expect(error.cause).toBeInstanceOf(Error);
    expect(error.message).toContain('ECONNREFUSED');
    expect(error.message).toContain('apiKey=***');
  });

  it('a body over the cap is refused as transient, not retried and not buffered', async () => {
    stub.script({ body: `{"pad":"${'x'.repeat(2_000)}"}` });
    const error = await mailPartnerRejection(
      client({ retries: 2, maxReplyBytes: 1_000 }).bulkStatus('300'),
    );
    expect(error).toBeInstanceOf(ReplyTooLargeError);
    expect(error.kind).toBe('transient');
    expect(error.message).toContain('over 1000 bytes');
    // The same message gives the same body again: the poll fails at once, the sync backs off.
    expect(stub.requests).toHaveLength(1);
  });

  it('recovers when a retry succeeds', async () => {
    stub.script({ status: 503, body: '' }, { body: '<html>' }, { body: ok });
    const reply = await client({ retries: 2 }).bulkStatus('300');
    expect(reply.recipients).toHaveLength(1);
    expect(stub.requests).toHaveLength(3);
  });

  it('with retries: 0 tries once', async () => {
    stub.script({ status: 500, body: '' });
    await mailPartnerRejection(client({ retries: 0 }).bulkStatus('300'));
    expect(stub.requests).toHaveLength(1);
  });

  it('backs off between attempts (exponentially from minBackoffMs)', async () => {
    stub.script({ status: 500, body: '' });
    const started = performance.now();
    await mailPartnerRejection(client({ retries: 2, minBackoffMs: 50 }).bulkStatus('300'));
    // 50 ms then 100 ms at least (jitter only lengthens them).
    expect(performance.now() - started).toBeGreaterThanOrEqual(145);
    expect(stub.requests).toHaveLength(3);
  });

  it.each([
    ['code 10', { body: { success: false, code: 10 } }],
    ['code 4', { body: { success: false, code: 4 } }],
    ['HTTP 429', { status: 429, body: '' }],
  ])(
    'a permanent or caller-handled fault (%s) is tried once even with retries left',
    async (_l, reply) => {
      stub.script(reply);
      await mailPartnerRejection(client({ retries: 5 }).bulkStatus('300'));
      expect(stub.requests).toHaveLength(1);
    },
  );
});

describe('createMailPartnerClient: caller abort', () => {
  it('rejects at once with the reason when the signal is already aborted', async () => {
    const reason = new Error('shutting down');
    const error = await rejection(
      client().bulkStatus('300', { signal: AbortSignal.abort(reason) }),
    );
    expect(error).toBe(reason);
    expect(stub.requests).toHaveLength(0);
  });

  it('stops a slow request at once with the caller reason, not as a timeout', async () => {
    stub.script({ body: ok, delayMs: 5_000 });
    const controller = new AbortController();
    const reason = new Error('lambda deadline');
    setTimeout(() => controller.abort(reason), 100);
    const started = performance.now();
    const error = await rejection(
      client({ timeoutMs: 4_000, retries: 3 }).bulkStatus('300', { signal: controller.signal }),
    );
    expect(error).toBe(reason);
    expect(performance.now() - started).toBeLessThan(2_000);
    expect(stub.requests).toHaveLength(1);
  });

  it('does not start another attempt when aborted during backoff', async () => {
    stub.script({ status: 503, body: '' });
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 150);
    const started = performance.now();
    const error = await rejection(
      client({ retries: 3, minBackoffMs: 2_000 }).bulkStatus('300', { signal: controller.signal }),
    );
    expect(error).toBeInstanceOf(DOMException);
    expect((error as DOMException).name).toBe('AbortError');
    expect(performance.now() - started).toBeLessThan(1_500);
    expect(stub.requests).toHaveLength(1);
  });
});
