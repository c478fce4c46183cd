import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  MailPartnerError,
  MessageNotFoundError,
  ProviderBadRequestError,
  ProviderConfigurationError,
  RateLimitedError,
  TransientProviderError,
} from '../../../shared/mailpartner/errors.ts';
import {
  parseBulkStatusReply,
  type ReplyContext,
} from '../../../shared/mailpartner/parse-reply.ts';

const KEY = 'SECRET-KEY-123';
const context: ReplyContext = { messageId: '300', apiKey: KEY, httpStatus: 200 };

function parse(body: unknown, ctx: ReplyContext = context) {
  return parseBulkStatusReply(typeof body === 'string' ? body : JSON.stringify(body), ctx);
}

function failure(body: unknown, ctx: ReplyContext = context): MailPartnerError {
  try {
    parse(body, ctx);
  } catch (error) {
    if (error instanceof MailPartnerError) return error;
    throw error;
  }
  throw new Error('expected the reply to be rejected');
}

const row = {
  email: 'email1',
  token: 'xxx',
  status: 'Delivered',
  cost: 1,
  stopMail: true,
  date: '1599061044',
};

function success(rows: unknown, extra: object = {}) {
  return { success: true, code: 200, messageId: 'xxx', StatutResponseList: rows, ...extra };
}

describe('parseBulkStatusReply: JSON success', () => {
  it('maps the documented example row to a RecipientReport', () => {
    expect(parse(success([row]))).toEqual({
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

  it('returns the requested messageId when the reply echoes it in any form (number, string, spaces)', () => {
    // Issue 16 finding 9: this test used to accept messageId 9999 for a request about 300.
    expect(parse(success([], { messageId: 300 })).messageId).toBe('300');
    expect(parse(success([], { messageId: ' 300\n' })).messageId).toBe('300');
    expect(parse(success([], { messageId: undefined })).messageId).toBe('300');
  });

  it('accepts an empty recipient list', () => {
    expect(parse(success([])).recipients).toEqual([]);
  });

  it('accepts code and success sent as strings', () => {
    expect(parse({ ...success([row]), code: '200', success: 'true' }).recipients).toHaveLength(1);
  });

  it('accepts the list as a PHP-style object with numeric keys, in key order', () => {
    const list = { '0': { ...row, email: 'a' }, '2': { ...row, email: 'b' } };
    expect(parse(success(list)).recipients.map((r) => r.email)).toEqual(['a', 'b']);
  });

  it('treats a success without StatutResponseList as a transient schema mismatch', () => {
    const error = failure({ success: true, code: 200, messageId: 'x' });
    expect(error).toBeInstanceOf(TransientProviderError);
    expect(error.message).toContain('StatutResponseList');
    expect(error.message).toContain('does not match the documented shape');
  });

  it('ignores unknown extra keys in the reply and in rows', () => {
    const reply = parse(success([{ ...row, opened: 3 }], { page: 1 }));
    expect(reply.recipients[0]).not.toHaveProperty('opened');
    expect(reply.recipients[0]?.status).toBe('Delivered');
  });
});

describe('parseBulkStatusReply: row normalisation', () => {
  const one = (fields: object) => parse(success([{ ...row, ...fields }])).recipients[0];

  it.each([
    [1, 1],
    [0.042, 0.042],
    ['2', 2],
    [' 0.5 ', 0.5],
    ['0,05', 0.05],
    ['abc', null],
    ['', null],
    [null, null],
    [undefined, null],
    [{}, null],
  ])('cost %j becomes %j', (cost, expected) => {
    expect(one({ cost })?.cost).toBe(expected);
  });

  it.each([
    [true, true],
    [false, false],
    ['true', true],
    ['False', false],
    [1, true],
    [0, false],
    ['1', true],
    ['0', false],
    [null, false],
    [undefined, false],
    ['', false],
  ])('stopMail %j becomes %j', (stopMail, expected) => {
    expect(one({ stopMail })?.stopMail).toBe(expected);
  });

  it('fails the reply on an unrecognised stopMail rather than guess false', () => {
    const error = failure(success([{ ...row, stopMail: 'maybe' }]));
    expect(error).toBeInstanceOf(TransientProviderError);
    expect(error.message).toContain('recipient row 1');
    expect(error.message).toContain('stopMail');
  });

  it.each([
    ['1599061044', '2020-09-02T15:37:24.000Z'],
    [1599061044, '2020-09-02T15:37:24.000Z'],
    [' 1599061044 ', '2020-09-02T15:37:24.000Z'],
    ['1599061044.5', '2020-09-02T15:37:24.500Z'],
    ['-5', null],
    [-5, null],
    [0, null],
    ['2020-09-02', null],
    ['soon', null],
    [Number.NaN, null],
    [1e20, null],
    [null, null],
    [undefined, null],
  ])('date %j becomes statusAt %j', (date, expected) => {
    expect(one({ date })?.statusAt).toBe(expected);
  });

  it('keeps token and status as sent, unknown statuses included', () => {
    expect(one({ status: 'Soft bounce (4.2.2)', token: 't-1' })).toMatchObject({
      status: 'Soft bounce (4.2.2)',
      token: 't-1',
    });
  });

  it('turns a missing or null token/status into the empty string, and numbers into text', () => {
    expect(one({ token: undefined, status: null })).toMatchObject({ token: '', status: '' });
    expect(one({ token: 42, status: 7 })).toMatchObject({ token: '42', status: '7' });
  });

  it('keeps the email exactly as written', () => {
    expect(one({ email: ' Jane.Doe@Example.COM' })?.email).toBe(' Jane.Doe@Example.COM');
  });

  it.each([
    ['missing', { email: undefined }],
    ['empty', { email: '' }],
    ['blank', { email: '   ' }],
    ['not a string', { email: 42 }],
    ['over 1024 chars', { email: `${'a'.repeat(1020)}@b.fr` }],
  ])('fails the whole reply when a row email is %s, naming the row', (_label, fields) => {
    const error = failure(success([row, { ...row, ...fields }]));
    expect(error).toBeInstanceOf(TransientProviderError);
    expect(error.message).toContain('recipient row 2');
    expect(error.message).toContain('email');
  });

  it.each([
    ['status', { status: 'x'.repeat(201) }],
    ['token', { token: 'x'.repeat(513) }],
  ])('fails the reply when %s is over its length limit', (field, fields) => {
    const error = failure(success([{ ...row, ...fields }]));
    expect(error).toBeInstanceOf(TransientProviderError);
    expect(error.message).toContain(field);
  });

  it('accepts fields exactly at their length limits', () => {
    const long = {
      email: `${'a'.repeat(1019)}@b.fr`,
      token: 't'.repeat(512),
      status: 's'.repeat(200),
    };
    expect(one(long)).toMatchObject(long);
  });

  it('fails the reply when a row is not an object', () => {
    const error = failure(success([row, 'email2']));
    expect(error).toBeInstanceOf(TransientProviderError);
    expect(error.message).toContain('recipient row 2');
  });

  it('keeps the last of two rows with the same email and token, at the first position', () => {
    const reply = parse(
      success([
        { ...row, email: 'a', status: 'Pending' },
        { ...row, email: 'b' },
        { ...row, email: 'a', status: 'Delivered' },
      ]),
    );
    expect(reply.recipients.map((r) => [r.email, r.status])).toEqual([
      ['a', 'Delivered'],
      ['b', 'Delivered'],
    ]);
  });

  it('keeps two rows with the same email but different tokens', () => {
    const reply = parse(
      success([
        { ...row, token: 't1' },
        { ...row, token: 't2' },
      ]),
    );
    expect(reply.recipients.map((r) => r.token)).toEqual(['t1', 't2']);
  });
});

describe('parseBulkStatusReply: provider codes', () => {
  it('code 10 is a configuration error telling to check the key', () => {
    const error = failure({ success: false, code: 10, message: 'Clé API incorrecte' });
    expect(error).toBeInstanceOf(ProviderConfigurationError);
    expect(error).toMatchObject({ kind: 'configuration', retryable: false, providerCode: 10 });
    expect(error.message).toBe(
      'MailPartner rejected the API key (code 10, "Clé API incorrecte"): check MAILPARTNER_API_KEY',
    );
  });

  it('code 1 is a configuration error telling to set the key', () => {
    const error = failure({ success: false, code: '1', message: 'La Clé API est requise' });
    expect(error).toBeInstanceOf(ProviderConfigurationError);
    expect(error.providerCode).toBe(1);
    expect(error.message).toContain('set MAILPARTNER_API_KEY');
  });

  it('code 3 is a bad request: our bug, not retryable', () => {
    const error = failure({ success: false, code: 3 });
    expect(error).toBeInstanceOf(ProviderBadRequestError);
    expect(error).toMatchObject({ kind: 'bad-request', retryable: false, providerCode: 3 });
    expect(error.message).toContain('bug in the client');
  });

  it('code 4 is MessageNotFoundError carrying the messageId', () => {
    const error = failure({ success: false, code: 4, message: 'Message introuvable' });
    expect(error).toBeInstanceOf(MessageNotFoundError);
    expect(error).toMatchObject({ kind: 'not-found', messageId: '300', providerCode: 4 });
    expect(error.message).toContain('poll again later');
  });

  it('code 429 is RateLimitedError with the Retry-After of the reply', () => {
    const error = failure({ success: false, code: 429 }, { ...context, retryAfterMs: 30_000 });
    expect(error).toBeInstanceOf(RateLimitedError);
    expect(error).toMatchObject({ kind: 'rate-limited', retryAfterMs: 30_000, providerCode: 429 });
  });

  it.each([20, 30, 40, 96])('account code %i is a configuration error', (code) => {
    const error = failure({ success: false, code, message: 'Compte désactivé' });
    expect(error).toBeInstanceOf(ProviderConfigurationError);
    expect(error.message).toContain(`code ${code}`);
  });

  it('an unknown failure code is transient and quotes the provider message', () => {
    const error = failure({ success: false, code: 77, message: 'Nouveau problème' });
    expect(error).toBeInstanceOf(TransientProviderError);
    expect(error.providerCode).toBe(77);
    expect(error.message).toContain('unexpected code 77');
    expect(error.message).toContain('Nouveau problème');
  });

  it('success with a code other than 200 is transient', () => {
    const error = failure({ ...success([row]), code: 201 });
    expect(error).toBeInstanceOf(TransientProviderError);
    expect(error.message).toContain('unexpected code 201');
  });

  it('failure with code 200 is transient (contradictory reply)', () => {
    const error = failure({ success: false, code: 200 });
    expect(error).toBeInstanceOf(TransientProviderError);
    expect(error.providerCode).toBe(200);
  });

  it('a reply without success or code is a schema mismatch', () => {
    const error = failure({ StatutResponseList: [] });
    expect(error).toBeInstanceOf(TransientProviderError);
    expect(error.message).toMatch(/success: .*code: /);
  });

  it('records the HTTP status the body came with', () => {
    const error = failure({ success: false, code: 10 }, { ...context, httpStatus: 401 });
    expect(error.httpStatus).toBe(401);
  });
});

describe('parseBulkStatusReply: unreadable bodies', () => {
  it.each([
    ['empty', '', 'empty body'],
    ['whitespace', ' \n ', 'empty body'],
    ['truncated JSON', '{"success":true,"code":200,"StatutRes', 'not valid JSON'],
    ['HTML page', '<!DOCTYPE html><html><body>502 Bad Gateway</body></html>', 'HTML page'],
    ['bare HTML', '<html><head><title>Maintenance</title></head></html>', 'HTML page'],
    ['plain text', 'Service Unavailable', 'neither JSON nor XML'],
    ['a JSON array', '[1,2]', 'does not match'],
    ['JSON null', 'null', 'neither JSON nor XML'],
  ])('%s is a transient fault that says so', (_label, body, says) => {
    const error = failure(body);
    expect(error).toBeInstanceOf(TransientProviderError);
    expect(error.retryable).toBe(true);
    expect(error.message).toContain(says);
  });

  it('quotes at most 200 characters of the body, on one line', () => {
    const body = `<html>\n${'x'.repeat(500)}</html>`;
    const message = failure(body).message;
    const excerpt = message.slice(message.indexOf('Body starts with: ') + 18);
    expect(excerpt).toBe(`<html> ${'x'.repeat(193)}…`);
  });

  it('never lets the key through an excerpt, even cut at the 200-character mark', () => {
    const body = `${'x'.repeat(195)}${KEY}${'y'.repeat(50)}`;
    const message = failure(body).message;
    expect(message).not.toContain(KEY);
    expect(message).not.toContain(KEY.slice(0, 5));
  });

  it('only ever throws MailPartnerErrors without the key, whatever the body', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string(),
          fc.json(),
          fc
            .jsonValue()
            .map((v) => JSON.stringify({ success: true, code: 200, StatutResponseList: [v] })),
          fc.string().map((s) => `<result><entry>true</entry><entry>200</entry>${s}</result>`),
          fc.string().map((s) => `${s}${KEY}${s}`),
        ),
        (body) => {
          try {
            parse(body);
          } catch (error) {
            expect(error).toBeInstanceOf(MailPartnerError);
            expect((error as Error).message).not.toContain(KEY);
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('parseBulkStatusReply: XML form', () => {
  const xmlRow = (email: string, status = 'Delivered') => `
    <entry>
      <entry>
        <![CDATA[${email}]]>
      </entry>
      <entry><![CDATA[tok-${email}]]></entry>
      <entry>
        <![CDATA[${status}]]>
      </entry>
      <entry>1</entry>
      <entry>true</entry>
      <entry>
        <![CDATA[1599061044]]>
      </entry>
    </entry>`;
  const xml = (rows: string) => `<?xml version="1.0" encoding="UTF-8"?>
<result>
<entry>true</entry>
<entry>200</entry>
<entry>
<![CDATA[xxx]]>
</entry>
${rows}
</result>`;

  it('reads the provider page example (two rows, CDATA between newlines)', () => {
    const reply = parse(xml(`<entry>${xmlRow('email1')}${xmlRow('email2')}</entry>`));
    expect(reply).toEqual({
      messageId: '300',
      recipients: ['email1', 'email2'].map((email) => ({
        email,
        token: `tok-${email}`,
        status: 'Delivered',
        cost: 1,
        stopMail: true,
        statusAt: '2020-09-02T15:37:24.000Z',
      })),
    });
  });

  it('reads a single row (the nesting that parsers collapse)', () => {
    const reply = parse(xml(`<entry>${xmlRow('only@x.fr', 'Bounced')}</entry>`));
    expect(reply.recipients).toHaveLength(1);
    expect(reply.recipients[0]).toMatchObject({ email: 'only@x.fr', status: 'Bounced' });
  });

  it.each([['<entry></entry>'], ['<entry/>'], ['<entry>\n</entry>']])(
    'reads an empty list written as %j',
    (list) => {
      expect(parse(xml(list)).recipients).toEqual([]);
    },
  );

  it('reads many rows in order', () => {
    const emails = Array.from({ length: 25 }, (_, i) => `r${i}@x.fr`);
    const reply = parse(xml(`<entry>${emails.map((e) => xmlRow(e)).join('')}</entry>`));
    expect(reply.recipients.map((r) => r.email)).toEqual(emails);
  });

  it('reads empty fields as absent ones', () => {
    const row =
      '<entry><entry>a@x.fr</entry><entry/><entry></entry><entry/><entry/><entry/></entry>';
    expect(parse(xml(`<entry>${row}</entry>`)).recipients[0]).toEqual({
      email: 'a@x.fr',
      token: '',
      status: '',
      cost: null,
      stopMail: false,
      statusAt: null,
    });
  });

  it('reads the error form as the same provider error as JSON', () => {
    const body = `<?xml version='1.0' encoding='UTF-8'?>
<result>
<entry>false</entry>
<entry>10</entry>
<entry>Clé API incorrecte</entry>
</result>`;
    const error = failure(body);
    expect(error).toBeInstanceOf(ProviderConfigurationError);
    expect(error.message).toContain('"Clé API incorrecte"');
  });

  it('reads a code 4 error form with a CDATA message', () => {
    const body =
      '<result><entry>false</entry><entry> 4 </entry><entry><![CDATA[ Message introuvable ]]></entry></result>';
    expect(failure(body)).toBeInstanceOf(MessageNotFoundError);
  });

  it('treats a success without the list as a schema mismatch', () => {
    const error = failure(xml(''));
    expect(error).toBeInstanceOf(TransientProviderError);
    expect(error.message).toContain('StatutResponseList');
  });

  it.each([
    [
      'a row with 5 fields',
      xml(
        '<entry><entry><entry>a</entry><entry>b</entry><entry>c</entry><entry>1</entry><entry>true</entry></entry></entry>',
      ),
      'row 1 has 5 fields',
    ],
    [
      'a row that is a plain value',
      xml('<entry><entry>a@x.fr</entry></entry>'),
      'row 1 is not a list',
    ],
    [
      'a field that is a list',
      xml(
        `<entry><entry><entry><entry>nested</entry></entry>${'<entry>x</entry>'.repeat(5)}</entry></entry>`,
      ),
      'row 1 email is not a plain value',
    ],
    ['truncated XML', xml(`<entry>${xmlRow('a')}`).slice(0, -20), 'malformed or truncated XML'],
    ['another root element', '<response><entry>true</entry></response>', 'without a <result> root'],
    ['an empty result', '<result/>', 'not a list'],
  ])('rejects %s as transient, saying why', (_label, body, says) => {
    const error = failure(body);
    expect(error).toBeInstanceOf(TransientProviderError);
    expect(error.message).toContain(says);
  });
});
