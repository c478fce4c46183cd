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
 * Every spelling under which `apiKey` may show up in text: as is, URL-encoded
 * (both `encodeURIComponent` and form style, which the request URL uses),
 * JSON-escaped (PHP also escapes `/`), and XML-escaped.
 */
function keySpellings(apiKey: string): string[] {
  const spellings = new Set<string>([
    apiKey,
    encodeURIComponent(apiKey),
    new URLSearchParams({ k: apiKey }).toString().slice(2),
    JSON.stringify(apiKey).slice(1, -1),
    JSON.stringify(apiKey).slice(1, -1).replaceAll('/', '\\/'),
    apiKey.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;'),
  ]);
  spellings.delete('');
  // Longest first, so a spelling that contains another is masked whole.
  return [...spellings].sort((a, b) => b.length - a.length);
}

/**
 * Replaces every occurrence of `apiKey` (in any of its usual encodings) in
 * `text` with `***`. An empty key leaves the text untouched.
 */
export function redactApiKey(text: string, apiKey: string): string {
  if (apiKey === '') return text;
  let result = text;
  for (const spelling of keySpellings(apiKey)) {
    result = result.replaceAll(spelling, MASK);
  }
  return result;
}

/**
 * A request URL fit for logs: the `apiKey` query parameter's value becomes
 * `***`, whatever it was. Works without knowing the key. Text that is not a URL
 * is returned with anything after `apiKey=` masked up to the next `&`.
 */
export function safeUrl(url: string | URL): string {
  const text = String(url);
  let parsed: URL;
  try {
    parsed = new URL(text);
  } catch {
    return text.replace(/(apiKey=)[^&#\s]*/gi, `$1${MASK}`);
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
