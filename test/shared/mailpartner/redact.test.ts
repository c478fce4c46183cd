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

describe('safeUrl', () => {
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
