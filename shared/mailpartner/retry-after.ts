/**
 * Reading the `Retry-After` header of a rate-limited reply (RFC 9110 §10.2.3).
 */

/**
 * A provider asking for more than a day is more likely broken than serious; the
 * caller still backs off, just not for a year.
 */
export const MAX_RETRY_AFTER_MS = 24 * 60 * 60 * 1000;

/**
 * The delay, in milliseconds, that a `Retry-After` value asks for: either
 * delay-seconds (`120`) or an HTTP date, measured from `nowMs`. A date in the
 * past means 0. Returns undefined when the header is absent or unreadable, so
 * the caller falls back to its own backoff. Capped at {@link MAX_RETRY_AFTER_MS}.
 */
export function parseRetryAfter(
  value: string | null | undefined,
  nowMs: number,
): number | undefined {
  const text = value?.trim();
  if (!text) return undefined;
  if (/^\d+$/.test(text)) {
    return Math.min(Number(text) * 1000, MAX_RETRY_AFTER_MS);
  }
  // Only HTTP dates carry a weekday-comma or GMT; this keeps Date.parse from
  // accepting things like "1.5" as a year.
  if (!/GMT|,/.test(text)) return undefined;
  const at = Date.parse(text);
  if (Number.isNaN(at)) return undefined;
  return Math.min(Math.max(0, at - nowMs), MAX_RETRY_AFTER_MS);
}
