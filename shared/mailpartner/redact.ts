/**
 * Keeping the API key out of everything we throw or log.
 *
 * MailPartner takes the key in the query string, so it is part of every request
 * URL, and HTTP stacks like to put URLs in their error messages. Everything that
 * leaves the client goes through one of these functions first.
 */

const MASK = '***';

/** Body excerpts in error messages stop here: enough to recognise a page, not to flood logs. */
export const EXCERPT_MAX_CHARS = 200;

/** How deep a cause chain is copied; deeper links are dropped rather than risk a leak. */
const MAX_CAUSE_DEPTH = 5;

/**
 * Named character references (HTML5, which includes XML's five) for the ASCII
 * punctuation an API key may hold. Characters without a name here can still be
 * written as numeric references, which the pattern always accepts.
 */
const NAMED_REFERENCES: Readonly<Record<string, readonly string[]>> = {
  '&': ['amp', 'AMP'],
  '<': ['lt', 'LT'],
  '>': ['gt', 'GT'],
  '"': ['quot', 'QUOT'],
  "'": ['apos'],
  '/': ['sol'],
  '+': ['plus'],
  '=': ['equals'],
  '.': ['period'],
  ',': ['comma'],
  ':': ['colon'],
  ';': ['semi'],
  _: ['lowbar', 'UnderBar'],
  '!': ['excl'],
  '#': ['num'],
  $: ['dollar'],
  '%': ['percnt'],
  '(': ['lpar'],
  ')': ['rpar'],
  '*': ['ast', 'midast'],
  '?': ['quest'],
  '@': ['commat'],
  '[': ['lsqb', 'lbrack'],
  '\\': ['bsol'],
  ']': ['rsqb', 'rbrack'],
  '^': ['Hat'],
  '`': ['grave', 'DiacriticalGrave'],
  '{': ['lcub', 'lbrace'],
  '|': ['verbar', 'vert', 'VerticalLine'],
  '}': ['rcub', 'rbrace'],
};

/** JSON's two-character escapes (`\/` is what PHP writes for '/'). */
const JSON_SHORT_ESCAPES: Readonly<Record<string, string>> = {
  '"': '\\"',
  '\\': '\\\\',
  '/': '\\/',
  '\b': '\\b',
  '\f': '\\f',
  '\n': '\\n',
  '\r': '\\r',
  '\t': '\\t',
};

const utf8 = new TextEncoder();

/** A regex source matching `n` in hex, either case, zero-padded to `width` digits. */
function hexPattern(n: number, width: number): string {
  return [...n.toString(16).padStart(width, '0')]
    .map((d) => (/[a-f]/.test(d) ? `[${d}${d.toUpperCase()}]` : d))
    .join('');
}

function escapeRegex(text: string): string {
  return text.replace(/[\\^$.*+?()[\]{}|/-]/g, '\\$&');
}

/**
 * Every way one character of the key can be written in text we might print:
 * as is; percent-encoded (its UTF-8 bytes, upper- or lower-case hex; `+` for a
 * space, as forms write it); as an HTML/XML character reference (decimal or
 * hex, leading zeros, with or without the `;` HTML tolerates, or by name); as a
 * JSON escape (`\u00XX` in either case, or the short form).
 */
function characterPattern(char: string): string {
  const cp = char.codePointAt(0) ?? 0;
  const forms = new Set<string>([escapeRegex(char)]);
  forms.add([...utf8.encode(char)].map((byte) => `%${hexPattern(byte, 2)}`).join(''));
  if (char === ' ') forms.add('\\+');
  forms.add(`&#0*${cp}(?![0-9]);?`);
  forms.add(`&#[xX]0*${hexPattern(cp, 1)}(?![0-9a-fA-F]);?`);
  for (const name of NAMED_REFERENCES[char] ?? []) forms.add(`&${name};`);
  const units = Array.from({ length: char.length }, (_, i) => char.charCodeAt(i));
  forms.add(units.map((unit) => `\\\\u${hexPattern(unit, 4)}`).join(''));
  const short = JSON_SHORT_ESCAPES[char];
  if (short !== undefined) forms.add(escapeRegex(short));
  return `(?:${[...forms].join('|')})`;
}

/** The last key's pattern: one key per client, so one entry is all the cache needs. */
let cached: { apiKey: string; pattern: RegExp } | undefined;

/**
 * A pattern matching `apiKey` however it is written, character by character, so
 * mixed spellings (only the `/` as `&#x2F;`, say, or some bytes in lower-case
 * hex) are caught too. Hand-written: encoders exist, but no library finds a
 * secret in text under every encoding at once, and decoding the text first
 * would lose the positions to mask.
 */
function keyPattern(apiKey: string): RegExp {
  if (cached?.apiKey !== apiKey) {
    const source = Array.from(apiKey, characterPattern).join('');
    cached = { apiKey, pattern: new RegExp(source, 'g') };
  }
  return cached.pattern;
}

/** `scheme://user:password@` in any text: what a URL with user info leaks. */
const USER_INFO = /\b([a-z][a-z0-9+.-]*:\/\/)[^\s/?#@]+@/gi;

/**
 * Replaces every occurrence of `apiKey`, in any spelling (see above), in `text`
 * with `***`, and the user info of any URL in it (`https://user:pw@host` →
 * `https://***@host`). An empty key masks only user info.
 */
export function redactApiKey(text: string, apiKey: string): string {
  const withoutUserInfo = text.replace(USER_INFO, `$1${MASK}@`);
  if (apiKey === '') return withoutUserInfo;
  return withoutUserInfo.replace(keyPattern(apiKey), MASK);
}

/**
 * A request URL fit for logs: the `apiKey` query parameter's value becomes
 * `***`, whatever it was, and so does any user info (`user:password@`). Works
 * without knowing the key. Text that is not a URL is returned with anything
 * after `apiKey=` masked up to the next `&`, and user info masked.
 */
export function safeUrl(url: string | URL): string {
  const text = String(url);
  let parsed: URL;
  try {
    parsed = new URL(text);
  } catch {
    return text.replace(/(apiKey=)[^&#\s]*/gi, `$1${MASK}`).replace(USER_INFO, `$1${MASK}@`);
  }
  if (parsed.username !== '' || parsed.password !== '') {
    parsed.username = MASK;
    parsed.password = '';
  }
  for (const name of [...parsed.searchParams.keys()]) {
    if (name.toLowerCase() === 'apikey') parsed.searchParams.set(name, MASK);
  }
  // URLSearchParams writes '*' as is, so the mask stays readable.
  return parsed.toString();
}

/**
 * A short, single-line, key-free excerpt of a reply body for error messages.
 * The key is masked before cutting, so a key straddling the cut cannot leak
 * half of itself.
 */
export function bodyExcerpt(body: string, apiKey: string): string {
  const oneLine = redactApiKey(body, apiKey).replace(/\s+/g, ' ').trim();
  if (oneLine === '') return '(empty)';
  return oneLine.length > EXCERPT_MAX_CHARS ? `${oneLine.slice(0, EXCERPT_MAX_CHARS)}…` : oneLine;
}

/**
 * A key-free copy of `error`, fit to be a `cause`: name, message, stack and a
 * string/number `code` are kept (redacted); the cause chain is copied the same
 * way; every other property (undici puts sockets, URLs and requests there) is
 * dropped. Non-errors become an `Error` describing them.
 */
export function scrubError(error: unknown, apiKey: string, depth = 0): Error {
  if (!(error instanceof Error)) {
    return new Error(
      redactApiKey(`non-error thrown: ${describe(error)}`, apiKey).slice(0, EXCERPT_MAX_CHARS),
    );
  }
  const cause =
    error.cause !== undefined && depth < MAX_CAUSE_DEPTH
      ? { cause: scrubError(error.cause, apiKey, depth + 1) }
      : undefined;
  const message = redactApiKey(error.message, apiKey);
  const copy =
    error instanceof AggregateError && Array.isArray(error.errors)
      ? new AggregateError(
          error.errors.slice(0, 10).map((inner: unknown) => scrubError(inner, apiKey, depth + 1)),
          message,
          cause,
        )
      : new Error(message, cause);
  copy.name = redactApiKey(error.name, apiKey);
  copy.stack = error.stack === undefined ? undefined : redactApiKey(error.stack, apiKey);
  const code: unknown = (error as { code?: unknown }).code;
  if (typeof code === 'string' || typeof code === 'number') {
    Object.assign(copy, { code: typeof code === 'string' ? redactApiKey(code, apiKey) : code });
  }
  return copy;
}

function describe(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  try {
    return String(value);
  } catch {
    return typeof value;
  }
}
