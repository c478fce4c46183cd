/**
 * Issue 16 finding 5: a redirect is never followed. The API key travels in the
 * query string, so following a 3xx would hand it to whatever host `Location`
 * names, and that host's body would be taken for the provider's. Real client,
 * real `fetch`, two loopback servers (two origins).
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createMailPartnerClient } from '../../../shared/mailpartner/client.ts';
import { ProviderRedirectError } from '../../../shared/mailpartner/errors.ts';
import { classifyError } from '../../../shared/sync/error-kind.ts';
import { everythingShownBy } from '../../support/mailpartner-secrets.ts';
import {
  type MailPartnerStub,
  startMailPartnerStub,
} from '../../support/mailpartner-stub-server.ts';

const KEY = 'REDIRECT-KEY-5a/b+c';

const hostileRow = {
  email: 'stolen@attacker.example',
  token: 't',
  status: 'Delivered',
  cost: 1,
  stopMail: false,
  date: '1764230400',
};
const hostileReply = { success: true, code: 200, StatutResponseList: [hostileRow] };

let provider: MailPartnerStub;
let elsewhere: MailPartnerStub;

beforeAll(async () => {
  [provider, elsewhere] = await Promise.all([startMailPartnerStub(), startMailPartnerStub()]);
});
afterAll(async () => {
  await Promise.all([provider.close(), elsewhere.close()]);
});
beforeEach(() => {
  provider.requests.length = 0;
  elsewhere.requests.length = 0;
  elsewhere.script({ body: hostileReply });
});

const client = () =>
  createMailPartnerClient({ apiKey: KEY, baseUrl: provider.baseUrl, minBackoffMs: 1 });

async function refusal(): Promise<ProviderRedirectError> {
  const error = await client()
    .bulkStatus('300')
    .then(
      () => null,
      (e: unknown) => e,
    );
  expect(error).toBeInstanceOf(ProviderRedirectError);
  return error as ProviderRedirectError;
}

describe('finding 5: redirects are refused', () => {
  it.each([301, 302, 303, 307, 308])(
    'HTTP %i to another origin: not followed, the key never reaches it, its body is not taken',
    async (status) => {
      const target = `${elsewhere.baseUrl}/bulk-status?apiKey=${encodeURIComponent(KEY)}&messageId=300`;
      provider.script({ status, headers: { location: target }, body: hostileReply });
      const error = await refusal();
      expect(elsewhere.requests).toEqual([]);
      // One request only: a redirect is not a transient fault to retry.
      expect(provider.requests).toHaveLength(1);
      expect(error).toMatchObject({ kind: 'configuration', retryable: false, httpStatus: status });
      expect(classifyError(error)).toBe('configuration');
      expect(error.message).toMatch(/redirects are refused/);
      expect(error.message).toMatch(/MAILPARTNER_BASE_URL/);
      // The target is named, with the key it echoed masked.
      expect(error.location).toContain(`${elsewhere.baseUrl}/bulk-status?apiKey=***`);
      const shown = everythingShownBy(error);
      expect(shown).not.toContain(KEY);
      expect(shown).not.toContain(encodeURIComponent(KEY));
      expect(shown).not.toContain('stolen@attacker.example');
    },
  );

  it('a same-origin redirect (say /v1 to /v2) is refused too', async () => {
    provider.script({ status: 302, headers: { location: '/v2/bulk-status' }, body: hostileReply });
    const error = await refusal();
    expect(provider.requests).toHaveLength(1);
    expect(error.location).toBe(`${new URL(provider.baseUrl).origin}/v2/bulk-status`);
  });

  it('a 3xx without Location is the same clear error', async () => {
    provider.script({ status: 300, body: 'Multiple Choices' });
    const error = await refusal();
    expect(error.location).toBeNull();
    expect(error.message).toMatch(/HTTP 300.*no Location header/);
  });

  it('a Location carrying user info does not print the password (finding 11)', async () => {
    provider.script({
      status: 302,
      headers: { location: 'https://user:hunter2@elsewhere.example/v1/bulk-status' },
    });
    const error = await refusal();
    expect(error.location).toBe('https://***@elsewhere.example/v1/bulk-status');
    expect(everythingShownBy(error)).not.toContain('hunter2');
  });
});
