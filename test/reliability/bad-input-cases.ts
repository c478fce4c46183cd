/**
 * The bad input catalogue: malformed or hostile `bulk-status` replies and bad
 * track requests, each with what the engine must do about it. Used by
 * `bad-input.test.ts`; listed in docs/reliability.md (a test keeps the two in step).
 */
import type { ScriptedReply } from '../../local/simulator/server.ts';
import type { ErrorKind } from '../../shared/errors.ts';

/** The recipient the victim message starts with (tracked, `Waiting`). */
export const BASELINE = { email: 'a@x.fr', token: 'a', status: 'Waiting' } as const;

/** One event expected from an accepted reply: detail-type, email, token, raw status. */
export type ExpectedEvent = readonly [
  detailType: string,
  email: string,
  token: string,
  status: string,
];

export interface ReplyCase {
  /** Short id, as listed in docs/reliability.md. */
  readonly name: string;
  readonly what: string;
  readonly reply: ScriptedReply;
  readonly expect:
    | {
        /** A clear error: the message's sync fails with this kind and message; nothing is written. */
        readonly outcome: 'rejected';
        readonly errorKind: ErrorKind;
        readonly message: RegExp;
      }
    | {
        /** Read as data: exactly these events (in order), and the detail checks. */
        readonly outcome: 'accepted';
        readonly events: readonly ExpectedEvent[];
        readonly detail?: DetailCheck;
      };
  /** Section of KNOWN-FAILING.md when the engine does not do this yet (kept out of the run). */
  readonly knownFailing?: string;
}

const json = (value: unknown) => JSON.stringify(value);
const success = (rows: unknown) => ({ success: true, code: 200, StatutResponseList: rows });
const raw = (
  body: string,
  extra: { status?: number; contentType?: string } = {},
): ScriptedReply => ({
  kind: 'raw',
  body,
  ...extra,
});
const row = (over: Record<string, unknown> = {}) => ({
  email: BASELINE.email,
  token: BASELINE.token,
  status: 'Delivered',
  cost: 1,
  stopMail: false,
  date: '1764230400',
  ...over,
});
/** One positional XML row, as the provider writes it. */
const xmlRow = (fields: readonly string[]) =>
  `<entry>${fields.map((f) => `<entry><![CDATA[${f}]]></entry>`).join('')}</entry>`;
const xml = (rows: string, prolog = '') =>
  // The messageId as the provider's page shows it (a placeholder): the victim's id is not known here.
  `${prolog}<result><entry>true</entry><entry>200</entry><entry><![CDATA[xxx]]></entry><entry>${rows}</entry></result>`;
const XML_TYPE = { contentType: 'application/xml' };

const transient = (message: RegExp) =>
  ({ outcome: 'rejected', errorKind: 'transient', message }) as const;
type DetailCheck = (details: readonly Record<string, unknown>[], observedAt: string) => void;
const accepted = (events: readonly ExpectedEvent[], detail?: DetailCheck) =>
  ({ outcome: 'accepted', events, ...(detail ? { detail } : {}) }) as const;

const BILLION_LAUGHS = `<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">${Array.from(
  { length: 9 },
  (_, i) => `<!ENTITY lol${i + 1} "${`&lol${i === 0 ? '' : i};`.repeat(10)}">`,
).join('')}]>`;

export const REPLY_CASES: readonly ReplyCase[] = [
  // -- not a reply at all --------------------------------------------------------
  {
    name: 'plain-text',
    what: 'HTTP 200 with plain text',
    reply: raw('Internal Server Error'),
    expect: transient(/neither JSON nor XML/),
  },
  {
    name: 'empty-body',
    what: 'HTTP 200 with an empty body',
    reply: raw(''),
    expect: transient(/empty body/),
  },
  {
    name: 'binary-garbage',
    what: 'control bytes instead of a body',
    reply: raw('\u0000\u0001\u0002\u00ff'),
    expect: transient(/neither JSON nor XML/),
  },
  {
    name: 'html-page',
    what: 'maintenance page with HTTP 200',
    reply: raw('<!DOCTYPE html><html><body>Maintenance</body></html>', {
      contentType: 'text/html',
    }),
    expect: transient(/HTML page/),
  },
  {
    name: 'truncated-json',
    what: 'JSON cut in the middle of a row',
    reply: raw('{"success":true,"code":200,"StatutResponseList":[{"email":"a@x.fr","sta'),
    expect: transient(/not valid JSON/),
  },
  {
    name: 'json-nan',
    what: 'NaN as a cost (not JSON)',
    reply: raw('{"success":true,"code":200,"StatutResponseList":[{"email":"a@x.fr","cost":NaN}]}'),
    expect: transient(/not valid JSON/),
  },
  {
    name: 'top-level-null',
    what: 'the body `null`',
    reply: raw('null'),
    expect: transient(/neither JSON nor XML/),
  },
  {
    name: 'top-level-array',
    what: 'an array instead of an object',
    reply: raw('[]'),
    expect: transient(/documented shape.*expected object/),
  },
  {
    name: 'huge-body',
    what: '65 MiB body (over the 64 MiB cap)',
    reply: raw(`{"success":true,"code":200,"pad":"${'x'.repeat(65 * 1024 * 1024)}"}`),
    expect: transient(/ReplyTooLargeError: .*over 67108864 bytes/),
  },
  {
    name: 'http-500-json',
    what: 'a valid success body with HTTP 500',
    reply: raw(json(success([row()])), { status: 500 }),
    expect: transient(/HTTP 500/),
  },
  // -- envelope ------------------------------------------------------------------
  {
    name: 'success-wrong-type',
    what: 'success: "yes"',
    reply: raw(json({ ...success([]), success: 'yes' })),
    expect: transient(/success: expected true\/false/),
  },
  {
    name: 'code-not-integer',
    what: 'code: 200.5',
    reply: raw(json({ ...success([]), code: 200.5 })),
    expect: transient(/code: expected an integer/),
  },
  {
    name: 'code-garbage',
    what: 'error reply with code "abc"',
    reply: raw(json({ success: false, code: 'abc' })),
    expect: transient(/code: expected an integer/),
  },
  {
    name: 'success-odd-code',
    what: 'success with code 201',
    reply: raw(json({ ...success([row()]), code: 201 })),
    expect: transient(/unexpected code 201/),
  },
  {
    name: 'unknown-error-code',
    what: 'error reply with code 99',
    reply: raw(json({ success: false, code: 99, message: 'Nouveau' })),
    expect: transient(/unexpected code 99/),
  },
  {
    name: 'message-not-found',
    what: 'code 4 (message not found)',
    reply: { kind: 'code', code: 4 },
    expect: { outcome: 'rejected', errorKind: 'not-found', message: /does not know message/ },
  },
  {
    name: 'message-id-missing',
    what: 'code 3 (message ID required) though we sent one',
    reply: { kind: 'code', code: 3 },
    expect: { outcome: 'rejected', errorKind: 'bad-request', message: /message ID is missing/ },
  },
  // -- the list --------------------------------------------------------------------
  {
    name: 'missing-list',
    what: 'success without StatutResponseList',
    reply: raw(json({ success: true, code: 200 })),
    expect: transient(/StatutResponseList/),
  },
  {
    name: 'null-list',
    what: 'StatutResponseList: null',
    reply: raw(json(success(null))),
    expect: transient(/StatutResponseList/),
  },
  {
    name: 'list-is-string',
    what: 'StatutResponseList: "a@x.fr"',
    reply: raw(json(success('a@x.fr'))),
    expect: transient(/StatutResponseList/),
  },
  {
    name: 'row-is-array',
    what: 'a row given as an array',
    reply: raw(json(success([['a@x.fr', 'a', 'Delivered']]))),
    expect: transient(/recipient row 1/),
  },
  {
    name: 'deep-nesting-json',
    what: '100,000 nested arrays as a row',
    reply: raw(
      `{"success":true,"code":200,"StatutResponseList":[${'['.repeat(100_000)}${']'.repeat(100_000)}]}`,
    ),
    expect: transient(/recipient row 1/),
  },
  // -- rows ------------------------------------------------------------------------
  {
    name: 'row-without-email',
    what: 'a row with no email',
    reply: raw(json(success([{ status: 'Delivered' }]))),
    expect: transient(/recipient row 1: email/),
  },
  {
    name: 'email-wrong-type',
    what: 'email: 42',
    reply: raw(json(success([row({ email: 42 })]))),
    expect: transient(/recipient row 1: email/),
  },
  {
    name: 'email-blank',
    what: 'email of spaces',
    reply: raw(json(success([row({ email: '   ' })]))),
    expect: transient(/email is blank/),
  },
  {
    name: 'email-too-long',
    what: 'a 1,025-character email',
    reply: raw(json(success([row({ email: `${'e'.repeat(1020)}@x.fr` })]))),
    expect: transient(/recipient row 1: email/),
  },
  {
    name: 'status-too-long',
    what: 'a 201-character status',
    reply: raw(json(success([row({ status: 's'.repeat(201) })]))),
    expect: transient(/recipient row 1: status/),
  },
  {
    name: 'token-too-long',
    what: 'a 513-character token',
    reply: raw(json(success([row({ token: 't'.repeat(513) })]))),
    expect: transient(/recipient row 1: token/),
  },
  {
    name: 'stopmail-unreadable',
    what: 'stopMail: "maybe"',
    reply: raw(json(success([row({ stopMail: 'maybe' })]))),
    expect: transient(/recipient row 1: stopMail/),
  },
  {
    name: 'deep-object-in-status',
    what: 'status is a 5,000-level nested object',
    reply: raw(
      `{"success":true,"code":200,"StatutResponseList":[{"email":"a@x.fr","status":${'{"a":'.repeat(5000)}1${'}'.repeat(5000)}}]}`,
    ),
    expect: transient(/recipient row 1: status/),
  },
  {
    name: 'second-row-bad',
    what: 'a good row, then one without email (the whole reply waits)',
    reply: raw(json(success([row(), { status: 'x' }]))),
    expect: transient(/recipient row 2: email/),
  },
  // -- XML -------------------------------------------------------------------------
  {
    name: 'xml-truncated',
    what: 'XML cut after the first entry',
    reply: raw('<result><entry>true</entry>', XML_TYPE),
    expect: transient(/malformed or truncated XML/),
  },
  {
    name: 'xml-no-result-root',
    what: 'XML with another root element',
    reply: raw('<response><entry>true</entry></response>', XML_TYPE),
    expect: transient(/<result>/),
  },
  {
    name: 'xml-five-fields',
    what: 'an XML row with five fields instead of six',
    reply: raw(xml(xmlRow(['a@x.fr', 'a', 'Delivered', '1', 'false'])), XML_TYPE),
    expect: transient(/row 1 has 5 fields, expected 6/),
  },
  {
    name: 'xml-external-entity',
    what: 'XXE: an external entity pointing at /etc/passwd',
    reply: raw(
      xml(
        xmlRow(['a@x.fr', 'a', '&xxe;', '1', 'false', '1764230400']).replace(
          '<![CDATA[&xxe;]]>',
          '&xxe;',
        ),
        '<?xml version="1.0"?><!DOCTYPE r [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>',
      ),
      XML_TYPE,
    ),
    expect: transient(/external entit/i),
  },
  {
    name: 'xml-deep-nesting',
    what: '20,000 nested XML entries',
    reply: raw(
      `<result><entry>true</entry><entry>200</entry><entry>m</entry>${'<entry>'.repeat(20_000)}${'</entry>'.repeat(20_000)}</result>`,
      XML_TYPE,
    ),
    expect: transient(/nest/i),
  },
  // -- accepted as data ------------------------------------------------------------------
  {
    name: 'numbers-as-strings',
    what: 'success "true", code "200", cost "1,5", stopMail "1", date as a numeric string',
    reply: raw(
      json({
        success: 'true',
        code: '200',
        StatutResponseList: [row({ cost: '1,5', stopMail: '1', date: '1764230400' })],
      }),
    ),
    expect: accepted(
      [
        ['RecipientDelivered', 'a@x.fr', 'a', 'Delivered'],
        ['RecipientUnsubscribed', 'a@x.fr', 'a', 'Delivered'],
      ],
      (details) => {
        if (details[0]?.cost !== 1.5 || details[0]?.statusAt !== '2025-11-27T08:00:00.000Z') {
          throw new Error(`cost/statusAt not read: ${json(details[0])}`);
        }
      },
    ),
  },
  {
    name: 'php-object-list',
    what: 'StatutResponseList as {"0": row} (PHP array with holes)',
    reply: raw(json(success({ 0: row() }))),
    expect: accepted([['RecipientDelivered', 'a@x.fr', 'a', 'Delivered']]),
  },
  {
    name: 'bom-prefixed',
    what: 'a UTF-8 byte order mark before the JSON',
    reply: raw(`\ufeff${json(success([row()]))}`),
    expect: accepted([['RecipientDelivered', 'a@x.fr', 'a', 'Delivered']]),
  },
  {
    name: 'duplicate-rows',
    what: 'the same recipient twice: Opened, then Delivered (the more advanced status wins, issue 16 finding 10)',
    reply: raw(json(success([row({ status: 'Opened' }), row()]))),
    expect: accepted([['RecipientOpened', 'a@x.fr', 'a', 'Opened']]),
  },
  {
    name: 'same-email-two-tokens',
    what: 'one address, two tokens: two recipients',
    reply: raw(json(success([row(), row({ token: 'b', status: 'Waiting' })]))),
    expect: accepted([
      ['RecipientDelivered', 'a@x.fr', 'a', 'Delivered'],
      ['RecipientStatusChanged', 'a@x.fr', 'b', 'Waiting'],
    ]),
  },
  {
    name: 'status-control-chars',
    what: 'status with NUL and an ANSI escape',
    reply: raw(json(success([row({ status: 'Deliv\u0000ered\u001b[31m' })]))),
    expect: accepted([['RecipientStatusChanged', 'a@x.fr', 'a', 'Deliv\u0000ered\u001b[31m']]),
  },
  {
    name: 'status-whitespace',
    what: 'status of three spaces',
    reply: raw(json(success([row({ status: '   ' })]))),
    expect: accepted([['RecipientStatusChanged', 'a@x.fr', 'a', '   ']]),
  },
  {
    name: 'status-case-only',
    what: '"WAITING" after "Waiting": not a change',
    reply: raw(json(success([row({ status: 'WAITING' })]))),
    expect: accepted([]),
  },
  {
    name: 'unicode-emails',
    what: 'RTL override, zero-width space, emoji, NFC and NFD forms of one address',
    reply: raw(
      json(
        success([
          row({ email: '\u202eevil@x.fr', token: '' }),
          row({ email: 'zw\u200b@x.fr', token: '' }),
          row({ email: '😀@x.fr', token: '' }),
          row({ email: 'zoë@x.fr', token: '' }),
          row({ email: 'zoe\u0308@x.fr', token: '' }),
        ]),
      ),
    ),
    expect: accepted([
      ['RecipientDelivered', '\u202eevil@x.fr', '', 'Delivered'],
      ['RecipientDelivered', 'zw\u200b@x.fr', '', 'Delivered'],
      ['RecipientDelivered', '😀@x.fr', '', 'Delivered'],
      ['RecipientDelivered', 'zoë@x.fr', '', 'Delivered'],
      ['RecipientDelivered', 'zoe\u0308@x.fr', '', 'Delivered'],
    ]),
  },
  {
    name: 'email-with-spaces',
    what: '" a@x.fr ": kept as sent, another recipient',
    reply: raw(json(success([row({ email: ' a@x.fr ' })]))),
    expect: accepted([['RecipientDelivered', ' a@x.fr ', 'a', 'Delivered']]),
  },
  {
    name: 'negative-date',
    what: 'date "-100": no status time, the poll time is used',
    reply: raw(json(success([row({ date: '-100' })]))),
    expect: accepted([['RecipientDelivered', 'a@x.fr', 'a', 'Delivered']], (d, observedAt) => {
      if (d[0]?.statusAt !== observedAt) throw new Error(`statusAt ${String(d[0]?.statusAt)}`);
    }),
  },
  {
    name: 'future-date',
    what: 'date in 2100: taken as the provider says',
    reply: raw(json(success([row({ date: '4102444800' })]))),
    expect: accepted([['RecipientDelivered', 'a@x.fr', 'a', 'Delivered']], (d) => {
      if (d[0]?.statusAt !== '2100-01-01T00:00:00.000Z')
        throw new Error(`statusAt ${String(d[0]?.statusAt)}`);
    }),
  },
  {
    name: 'absurd-date',
    what: 'date past year 9999: the poll time is used',
    reply: raw(json(success([row({ date: '99999999999999' })]))),
    expect: accepted([['RecipientDelivered', 'a@x.fr', 'a', 'Delivered']], (d, observedAt) => {
      if (d[0]?.statusAt !== observedAt) throw new Error(`statusAt ${String(d[0]?.statusAt)}`);
    }),
  },
  {
    name: 'iso-date',
    what: 'date as an ISO string instead of Unix seconds: the poll time is used',
    reply: raw(json(success([row({ date: '2026-01-01T00:00:00Z' })]))),
    expect: accepted([['RecipientDelivered', 'a@x.fr', 'a', 'Delivered']], (d, observedAt) => {
      if (d[0]?.statusAt !== observedAt) throw new Error(`statusAt ${String(d[0]?.statusAt)}`);
    }),
  },
  {
    name: 'cost-garbage',
    what: 'cost "abc": null',
    reply: raw(json(success([row({ cost: 'abc' })]))),
    expect: accepted([['RecipientDelivered', 'a@x.fr', 'a', 'Delivered']], (d) => {
      if (d[0]?.cost !== null) throw new Error(`cost ${String(d[0]?.cost)}`);
    }),
  },
  {
    name: 'prototype-pollution-keys',
    what: '__proto__ and constructor.prototype keys in the envelope and a row',
    reply: raw(
      '{"__proto__":{"polluted":1},"success":true,"code":200,"StatutResponseList":[{"email":"a@x.fr","token":"a","status":"Delivered","__proto__":{"polluted":2},"constructor":{"prototype":{"polluted":3}}}]}',
    ),
    expect: accepted([['RecipientDelivered', 'a@x.fr', 'a', 'Delivered']], () => {
      if (({} as Record<string, unknown>).polluted !== undefined)
        throw new Error('Object.prototype polluted');
    }),
  },
  {
    name: 'extra-fields',
    what: 'unknown fields, nested objects in a row',
    reply: raw(json(success([row({ name: 'Ann', extra: { deep: [1, { x: null }] } })]))),
    expect: accepted([['RecipientDelivered', 'a@x.fr', 'a', 'Delivered']]),
  },
  {
    name: 'null-fields',
    what: 'token, status, stopMail, cost and date all null',
    reply: raw(
      json(
        success([
          { email: 'a@x.fr', token: null, status: null, stopMail: null, cost: null, date: null },
        ]),
      ),
    ),
    expect: accepted([['RecipientStatusChanged', 'a@x.fr', '', '']]),
  },
  {
    name: 'empty-list',
    what: 'no rows: recipients keep their state',
    reply: raw(json(success([]))),
    expect: accepted([]),
  },
  {
    name: 'proto-keyed-list',
    what: 'StatutResponseList {"__proto__": row}: read as no rows',
    reply: raw(
      '{"success":true,"code":200,"StatutResponseList":{"__proto__":{"email":"a@x.fr","status":"Delivered"}}}',
    ),
    expect: accepted([]),
  },
  {
    name: 'reply-for-other-message',
    what: 'messageId of another message in the reply (issue 16 finding 9: never applied)',
    reply: raw(json({ ...success([row()]), messageId: 'someone-else' })),
    expect: {
      outcome: 'rejected',
      errorKind: 'reply-mismatch',
      message: /ReplyForOtherMessageError: .*answered about message "someone-else"/,
    },
  },
  {
    name: 'lone-surrogate-email',
    what: 'an email with a lone UTF-16 surrogate (\\ud800)',
    reply: raw(
      '{"success":true,"code":200,"StatutResponseList":[{"email":"\\ud800@x.fr","token":"","status":"Delivered"}]}',
    ),
    expect: accepted([['RecipientDelivered', '\ud800@x.fr', '', 'Delivered']]),
  },
  {
    name: 'xml-valid',
    what: 'positional XML with an escaped ampersand',
    reply: raw(
      xml(
        '<entry><entry>a@x.fr</entry><entry>a</entry><entry>Delivered &amp; read</entry><entry>1</entry><entry>false</entry><entry>1764230400</entry></entry>',
      ),
      XML_TYPE,
    ),
    expect: accepted([['RecipientStatusChanged', 'a@x.fr', 'a', 'Delivered & read']]),
  },
  {
    name: 'xml-billion-laughs',
    what: 'nested entity expansion ("billion laughs"): not expanded',
    reply: raw(
      xml(
        '<entry><entry>a@x.fr</entry><entry>a</entry><entry>&lol9;</entry><entry>1</entry><entry>false</entry><entry>1764230400</entry></entry>',
        BILLION_LAUGHS,
      ),
      XML_TYPE,
    ),
    expect: accepted([['RecipientStatusChanged', 'a@x.fr', 'a', '&lol9;']]),
  },
  {
    name: 'crosses-chunk-boundary',
    what: '600 recipients in one reply (more than one 500-recipient state chunk)',
    reply: raw(
      json(
        success([
          row(),
          ...Array.from({ length: 599 }, (_, i) => row({ email: `r${i}@x.fr`, token: '' })),
        ]),
      ),
    ),
    expect: accepted([
      ['RecipientDelivered', 'a@x.fr', 'a', 'Delivered'],
      ...Array.from(
        { length: 599 },
        (_, i): ExpectedEvent => ['RecipientDelivered', `r${i}@x.fr`, '', 'Delivered'],
      ),
    ]),
  },
];

// ---------------------------------------------------------------------------
// Track requests

export interface TrackCase {
  readonly name: string;
  readonly what: string;
  readonly messageId: unknown;
  readonly metadata: unknown;
  readonly expect: /** Refused with InvalidTrackRequestError (kind bad-request) and this message; nothing written. */
    | { readonly outcome: 'rejected'; readonly message: RegExp }
    /** Plain data: tracked and read back exactly, nothing else touched. */
    | { readonly outcome: 'stored-verbatim' };
  readonly knownFailing?: string;
}

const meta = (n: number, valueLength = 1) =>
  Object.fromEntries(Array.from({ length: n }, (_, i) => [`k${i}`, 'v'.repeat(valueLength)]));
const rejected = (message: RegExp) => ({ outcome: 'rejected', message }) as const;
const verbatim = { outcome: 'stored-verbatim' } as const;

export const TRACK_CASES: readonly TrackCase[] = [
  {
    name: 'id-empty',
    what: 'messageId ""',
    messageId: '',
    metadata: {},
    expect: rejected(/messageId must be a non-empty string/),
  },
  {
    name: 'id-blank',
    what: 'messageId of spaces',
    messageId: '   ',
    metadata: {},
    expect: rejected(/messageId must be a non-empty string/),
  },
  {
    name: 'id-missing',
    what: 'messageId undefined (a JSON body without it)',
    messageId: undefined,
    metadata: {},
    expect: rejected(/messageId must be a non-empty string/),
  },
  {
    name: 'id-number',
    what: 'messageId 300 as a number',
    messageId: 300,
    metadata: {},
    expect: rejected(/messageId must be a non-empty string/),
  },
  {
    name: 'id-oversized',
    what: 'a 257-character messageId',
    messageId: 'm'.repeat(257),
    metadata: {},
    expect: rejected(/257 characters long; at most 256/),
  },
  {
    name: 'id-newline',
    what: 'messageId with a newline (log injection)',
    messageId: 'm-1\nINFO forged log line',
    metadata: {},
    expect: rejected(/control characters/),
  },
  {
    name: 'id-nul',
    what: 'messageId with NUL',
    messageId: 'm\u0000',
    metadata: {},
    expect: rejected(/control characters/),
  },
  {
    name: 'id-del',
    what: 'messageId with DEL (U+007F)',
    messageId: 'm\u007f',
    metadata: {},
    expect: rejected(/control characters/),
  },
  {
    name: 'metadata-null',
    what: 'metadata null',
    messageId: 'ok-id',
    metadata: null,
    expect: rejected(/metadata must be an object/),
  },
  {
    name: 'metadata-array',
    what: 'metadata ["a"]',
    messageId: 'ok-id',
    metadata: ['a'],
    expect: rejected(/metadata must be an object/),
  },
  {
    name: 'metadata-string',
    what: 'metadata "campaign=x"',
    messageId: 'ok-id',
    metadata: 'campaign=x',
    expect: rejected(/metadata must be an object/),
  },
  {
    name: 'metadata-number-value',
    what: '{ "n": 1 }',
    messageId: 'ok-id',
    metadata: { n: 1 },
    expect: rejected(/value of "n" must be a string, not number/),
  },
  {
    name: 'metadata-null-value',
    what: '{ "n": null }',
    messageId: 'ok-id',
    metadata: { n: null },
    expect: rejected(/value of "n" must be a string, not null/),
  },
  {
    name: 'metadata-object-value',
    what: '{ "$ne": { "x": 1 } } (NoSQL operator shape)',
    messageId: 'ok-id',
    metadata: { $ne: { x: 1 } },
    expect: rejected(/value of "\$ne" must be a string, not object/),
  },
  {
    name: 'metadata-proto-object',
    what: '{"__proto__": {"polluted": "yes"}} from JSON.parse',
    messageId: 'ok-id',
    metadata: JSON.parse('{"__proto__":{"polluted":"yes"}}'),
    expect: rejected(/metadata key "__proto__" is reserved/),
  },
  {
    name: 'metadata-too-many-keys',
    what: '51 keys',
    messageId: 'ok-id',
    metadata: meta(51),
    expect: rejected(/51 keys; at most 50/),
  },
  {
    name: 'metadata-oversized',
    what: '5 keys of 1,000 characters (over 4,096 bytes)',
    messageId: 'ok-id',
    metadata: meta(5, 1000),
    expect: rejected(/at most 4096 are allowed/),
  },
  {
    name: 'metadata-empty-key',
    what: '{ "": "x" }',
    messageId: 'ok-id',
    metadata: { '': 'x' },
    expect: rejected(/keys must not be empty/),
  },
  {
    name: 'sql-injection-id',
    what: "messageId ' OR 1=1 --",
    messageId: "' OR 1=1 --",
    metadata: { q: "' OR 1=1 --" },
    expect: verbatim,
  },
  {
    name: 'nosql-injection-id',
    what: 'messageId {"$ne":1}',
    messageId: '{"$ne":1}',
    metadata: { $where: 'sleep(1000)' },
    expect: verbatim,
  },
  {
    name: 'script-id',
    what: 'messageId <script>alert(1)</script>',
    messageId: '<script>alert(1)</script>',
    metadata: { html: '<img src=x onerror=alert(1)>' },
    expect: verbatim,
  },
  {
    name: 'path-traversal-id',
    what: 'messageId ../../etc/passwd',
    messageId: '../../etc/passwd',
    metadata: {},
    expect: verbatim,
  },
  {
    name: 'key-prefix-id',
    what: 'messageId "MSG#META" (the store\'s own key syntax)',
    messageId: 'MSG#META',
    metadata: {},
    expect: verbatim,
  },
  {
    name: 'rtl-id',
    what: 'messageId with an RTL override and emoji',
    messageId: '\u202eevil😀',
    metadata: { 'clé 🔑': 'välue' },
    expect: verbatim,
  },
  {
    name: 'max-size-id',
    what: 'a 256-character messageId and exactly 4,096 bytes of metadata',
    messageId: 'm'.repeat(256),
    metadata: { k: 'v'.repeat(4095) },
    expect: verbatim,
  },
  {
    name: 'metadata-proto-string',
    what: '{"__proto__": "x"} from JSON.parse: refused (JavaScript maps, the AWS SDK among them, drop such a key)',
    messageId: 'proto-string',
    metadata: JSON.parse('{"__proto__":"x","a":"b"}'),
    expect: rejected(/metadata key "__proto__" is reserved/),
  },
];
