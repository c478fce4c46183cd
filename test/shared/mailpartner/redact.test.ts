import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  bodyExcerpt,
  redactApiKey,
  safeUrl,
  scrubError,
} from '../../../shared/mailpartner/redact.ts';
import { everythingShownBy } from '../../support/mailpartner-secrets.ts';

const KEY = 'SECRET-KEY-123';

describe('redactApiKey', () => {
  it('masks every occurrence of the key', () => {
    expect(redactApiKey(`a ${KEY} b ${KEY}`, KEY)).toBe('a *** b ***');
  });

  it('masks the URL-encoded, form-encoded, JSON- and XML-escaped spellings', () => {
    const key = 'k/e y+&<z>"1';
    const spellings = [
      encodeURIComponent(key),
      new URLSearchParams({ apiKey: key }).toString().slice('apiKey='.length),
      JSON.stringify(key).slice(1, -1),
      JSON.stringify(key).slice(1, -1).replaceAll('/', '\\/'),
      'k/e y+&amp;&lt;z&gt;"1',
    ];
    for (const spelling of spellings) {
      expect(redactApiKey(`before ${spelling} after`, key)).toBe('before *** after');
    }
  });

  it('leaves text alone when the key is empty', () => {
    expect(redactApiKey('nothing to hide', '')).toBe('nothing to hide');
  });

  it('leaves no trace of any key embedded in any text', () => {
    fc.assert(
      fc.property(fc.string({ minLength: 1 }), fc.string(), fc.string(), (key, before, after) => {
        const text = `${before}${key}${after}${encodeURIComponent(key)}`;
        const redacted = redactApiKey(text, key);
        // The mask itself may legitimately spell a key made of '*'.
        if (!'***'.includes(key)) {
          expect(redacted.split('***').join('')).not.toContain(key);
        }
      }),
    );
  });
});

describe('redactApiKey: every spelling (issue 16 finding 11)', () => {
  const key = 'k/e y+&<z>"1é';
  it.each([
    ['lower-case percent', encodeURIComponent(key).toLowerCase()],
    [
      'form style, lower-case hex',
      new URLSearchParams({ k: key }).toString().slice(2).toLowerCase(),
    ],
    ['"/" as &#x2F;', key.replace('/', '&#x2F;')],
    ['"/" as &#47 (no ";", as HTML tolerates)', key.replace('/', '&#47')],
    [
      'decimal references with leading zeros',
      Array.from(key, (c) => `&#00${c.codePointAt(0)};`).join(''),
    ],
    ['hex references', Array.from(key, (c) => `&#x${c.codePointAt(0)?.toString(16)};`).join('')],
    ['named references', 'k&sol;e y&plus;&amp;&lt;z&gt;&quot;1é'],
    [
      'JSON \\u escapes',
      Array.from(key, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`).join(''),
    ],
    ['JSON with \\/ and \\"', 'k\\/e y+&<z>\\"1é'],
    ['a mix of all', 'k%2Fe&#32;y%2b&amp;\\u003cz&gt;"1%c3%a9'],
  ])('%s', (_what, spelled) => {
    expect(spelled.toLowerCase()).not.toBe(key.toLowerCase());
    expect(redactApiKey(`before ${spelled} after`, key)).toBe('before *** after');
  });

  it('does not mask text that only resembles the key', () => {
    expect(redactApiKey('SECRET-KEY-124 and secret-key-123', KEY)).toBe(
      'SECRET-KEY-124 and secret-key-123',
    );
  });

  it('masks user info of any URL in the text, with or without a key', () => {
    expect(redactApiKey('GET https://u:hunter2@h.example/v1 failed', '')).toBe(
      'GET https://***@h.example/v1 failed',
    );
    expect(redactApiKey('ftp://hunter2@h.example and mail a@b.fr', KEY)).toBe(
      'ftp://***@h.example and mail a@b.fr',
    );
  });

  it('leaves no trace of a key written character by character in random spellings', () => {
    const forms = [
      (c: string) => c,
      (c: string) => encodeURIComponent(c),
      (c: string) => encodeURIComponent(c).replace(/%[0-9A-F]{2}/g, (m) => m.toLowerCase()),
      (c: string) => `&#${c.codePointAt(0)};`,
      (c: string) => `&#x${c.codePointAt(0)?.toString(16)};`,
      (c: string) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
    ];
    const keyChar = fc.constantFrom(...'abcXYZ019-_./+=&<>"\' ~!'.split(''));
    fc.assert(
      fc.property(
        fc.array(fc.tuple(keyChar, fc.nat(forms.length - 1)), { minLength: 4, maxLength: 24 }),
        fc.string(),
        (chars, around) => {
          const apiKey = chars.map(([c]) => c).join('');
          const spelled = chars.map(([c, f]) => (forms[f] as (c: string) => string)(c)).join('');
          const redacted = redactApiKey(`${around}${spelled}${around}`, apiKey);
          expect(redacted).toContain('***');
          expect(redacted).not.toContain(spelled);
        },
      ),
    );
  });
});

describe('safeUrl', () => {
  it('masks user info (issue 16 finding 11)', () => {
    expect(safeUrl('https://user:hunter2@api.example/v1?apiKey=k')).toBe(
      'https://***@api.example/v1?apiKey=***',
    );
    expect(safeUrl(new URL('http://hunter2@api.example/'))).toBe('http://***@api.example/');
    expect(safeUrl('not a url but ftp://u:hunter2@x')).not.toContain('hunter2');
  });

  it('masks the apiKey query value and keeps the rest', () => {
    const url = `https://api.mailpartner.fr/v1/bulk-status?apiKey=${KEY}&messageId=300`;
    expect(safeUrl(url)).toBe('https://api.mailpartner.fr/v1/bulk-status?apiKey=***&messageId=300');
  });

  it('accepts URL objects and any case of the parameter name', () => {
    const url = new URL(`http://127.0.0.1:8080/v1/bulk-status?messageId=1&APIKEY=${KEY}`);
    expect(safeUrl(url)).toBe('http://127.0.0.1:8080/v1/bulk-status?messageId=1&APIKEY=***');
  });

  it('masks apiKey= in text that is not a URL', () => {
    expect(safeUrl(`/bulk-status?apiKey=${KEY}&messageId=3`)).toBe(
      '/bulk-status?apiKey=***&messageId=3',
    );
  });

  it('leaves URLs without a key unchanged', () => {
    expect(safeUrl('https://api.mailpartner.fr/v1/bulk-status?messageId=3')).toBe(
      'https://api.mailpartner.fr/v1/bulk-status?messageId=3',
    );
  });
});

describe('bodyExcerpt', () => {
  it('collapses whitespace to one line', () => {
    expect(bodyExcerpt('<h1>\n  Bad   Gateway\n</h1>', KEY)).toBe('<h1> Bad Gateway </h1>');
  });

  it('cuts at 200 characters and marks the cut', () => {
    expect(bodyExcerpt('z'.repeat(300), KEY)).toBe(`${'z'.repeat(200)}…`);
  });

  it('says (empty) for an empty body', () => {
    expect(bodyExcerpt(' \n', KEY)).toBe('(empty)');
  });

  it('masks the key before cutting, so no prefix of it survives the cut', () => {
    const excerpt = bodyExcerpt(`${'z'.repeat(190)}${KEY}`, KEY);
    expect(excerpt).toBe(`${'z'.repeat(190)}***`);
  });
});

describe('scrubError', () => {
  it('copies name, message, stack and code without the key, down the cause chain', () => {
    const inner = Object.assign(new Error(`connect to ?apiKey=${KEY} refused`), {
      code: 'ECONNREFUSED',
      request: { url: `http://x/?apiKey=${KEY}` },
    });
    const outer = new TypeError(`fetch failed for ${KEY}`, { cause: inner });
    const scrubbed = scrubError(outer, KEY);

    expect(scrubbed.name).toBe('TypeError');
    expect(scrubbed.message).toBe('fetch failed for ***');
    expect(scrubbed.cause).toBeInstanceOf(Error);
    expect((scrubbed.cause as Error & { code: string }).code).toBe('ECONNREFUSED');
    expect(scrubbed.cause).not.toHaveProperty('request');
    expect(everythingShownBy(scrubbed)).not.toContain(KEY);
  });

  it('scrubs the inner errors of an AggregateError', () => {
    const aggregate = new AggregateError([new Error(`a ${KEY}`), new Error('b')], 'all failed');
    const scrubbed = scrubError(aggregate, KEY);
    expect(scrubbed).toBeInstanceOf(AggregateError);
    expect((scrubbed as AggregateError).errors.map((e: Error) => e.message)).toEqual([
      'a ***',
      'b',
    ]);
  });

  it('turns a thrown non-error into an Error describing it, key masked', () => {
    const scrubbed = scrubError(`boom ${KEY}`, KEY);
    expect(scrubbed).toBeInstanceOf(Error);
    expect(scrubbed.message).toBe('non-error thrown: "boom ***"');
  });

  it('stops copying an endless cause chain', () => {
    const looped = new Error('loop');
    Object.assign(looped, { cause: looped });
    let depth = 0;
    for (let e: unknown = scrubError(looped, KEY); e instanceof Error; e = e.cause) depth++;
    expect(depth).toBeLessThanOrEqual(6);
  });
});
