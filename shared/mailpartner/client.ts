/**
 * The MailPartner `bulk-status` client: one GET per attempt, bounded retries of
 * transient faults, and every failure turned into a `MailPartnerError` that
 * never carries the API key.
 *
 * `GET {baseUrl}/bulk-status?apiKey=…&messageId=…[&_format=xml]`
 */
import pRetry from 'p-retry';
import type { BulkStatus } from '../model.ts';
import {
  BodyTooLargeError,
  MailPartnerError,
  ProviderBadRequestError,
  ProviderConfigurationError,
  ProviderRedirectError,
  RateLimitedError,
  ReplyTooLargeError,
  TransientProviderError,
} from './errors.ts';
import { parseBulkStatusReply } from './parse-reply.ts';
import { MAX_BODY_BYTES, readBodyText } from './read-body.ts';
import { bodyExcerpt, redactApiKey, safeUrl, scrubError } from './redact.ts';
import { parseRetryAfter } from './retry-after.ts';

/** The provider's production API. */
export const DEFAULT_BASE_URL = 'https://api.mailpartner.fr/v1';

/** How to reach MailPartner and how hard to try. */
export interface MailPartnerClientOptions {
  /** Sent in the query string, as the provider requires; never part of any error. */
  apiKey: string;
  /** Default {@link DEFAULT_BASE_URL}; with or without a trailing '/'. */
  baseUrl?: string;
  /** Wire format to ask for; default 'json'. 'xml' adds `_format=xml`. */
  format?: 'json' | 'xml';
  /** Per attempt, including reading the body. Default 10 000 (the provider's own samples use 10 s). */
  timeoutMs?: number;
  /** Extra attempts after a transient fault; default 2 (so at most 3 requests). */
  retries?: number;
  /** First backoff delay; doubles each retry, with jitter, capped. Default 200. */
  minBackoffMs?: number;
  /** Default `globalThis.fetch`. */
  fetch?: typeof fetch;
  /**
   * Largest reply body read, bytes; default {@link MAX_BODY_BYTES} (64 MiB,
   * about 500,000 recipients). A larger one fails the poll without retrying.
   */
  maxReplyBytes?: number;
}

/** What the poller needs from MailPartner. */
export interface MailPartnerClient {
  /**
   * The delivery reports of every recipient of a sent message.
   *
   * Rejects with a {@link MailPartnerError} subclass: `TransientProviderError`
   * after the retries are spent; `RateLimitedError`, `MessageNotFoundError`,
   * `ProviderConfigurationError` and `ProviderBadRequestError` after one
   * request. When `signal` aborts, it stops at once (no further attempt) and
   * rejects with `signal.reason`, as `fetch` does.
   */
  bulkStatus(messageId: string, options?: { signal?: AbortSignal }): Promise<BulkStatus>;
}

const DEFAULTS = { format: 'json', timeoutMs: 10_000, retries: 2, minBackoffMs: 200 } as const;

/** Backoff never waits longer than this between two attempts (unless minBackoffMs is larger). */
const MAX_BACKOFF_MS = 5_000;

const ACCEPT = {
  json: 'application/json',
  xml: 'application/xml, text/xml;q=0.9',
} as const;

/**
 * Builds a client. Throws a `TypeError`/`RangeError` at once for an unusable
 * `baseUrl` or numeric option, so a misconfigured function fails at start-up. An
 * empty `apiKey` is reported by `bulkStatus` as a `ProviderConfigurationError`
 * (what the provider would say, without spending a request).
 */
export function createMailPartnerClient(options: MailPartnerClientOptions): MailPartnerClient {
  const apiKey = options.apiKey;
  const endpoint = endpointFor(options.baseUrl ?? DEFAULT_BASE_URL);
  const format = options.format ?? DEFAULTS.format;
  const timeoutMs = checkNumber('timeoutMs', options.timeoutMs ?? DEFAULTS.timeoutMs, 1);
  const retries = checkNumber('retries', options.retries ?? DEFAULTS.retries, 0);
  const minBackoffMs = checkNumber(
    'minBackoffMs',
    options.minBackoffMs ?? DEFAULTS.minBackoffMs,
    0,
  );
  const fetchImpl = options.fetch ?? globalThis.fetch;
  const maxReplyBytes = checkNumber('maxReplyBytes', options.maxReplyBytes ?? MAX_BODY_BYTES, 1);

  function requestUrl(messageId: string): URL {
    const url = new URL(endpoint);
    url.searchParams.set('apiKey', apiKey);
    url.searchParams.set('messageId', messageId);
    if (format === 'xml') url.searchParams.set('_format', 'xml');
    return url;
  }

  /** One request, classified. Only `TransientProviderError` leads to another attempt. */
  async function attempt(
    messageId: string,
    callerSignal: AbortSignal | undefined,
  ): Promise<BulkStatus> {
    const url = requestUrl(messageId);
    const timeout = AbortSignal.timeout(timeoutMs);
    const signal = callerSignal ? AbortSignal.any([callerSignal, timeout]) : timeout;

    let response: Response | undefined;
    let body: string;
    try {
      response = await fetchImpl(url, {
        method: 'GET',
        headers: { Accept: ACCEPT[format] },
        signal,
        // Never follow: the key is in the query string, and another host's body is not the provider's.
        redirect: 'manual',
      });
      if (isRedirect(response.status)) throw redirectRefused(response, url, messageId);
      body = await readBodyText(response, maxReplyBytes);
    } catch (error) {
      // The caller's reason is rethrown by bulkStatus; this only has to stop the retries.
      if (callerSignal?.aborted) throw callerSignal.reason;
      if (error instanceof ProviderRedirectError) throw error;
      if (error instanceof BodyTooLargeError) throw replyTooLarge(error, messageId, response);
      throw requestFailure(error, { url, messageId, timedOut: timeout.aborted, response });
    }

    const httpStatus = response.status;
    if (httpStatus === 429) {
      throw new RateLimitedError(
        'MailPartner rate limit reached (HTTP 429, over 2,000 requests a minute per IP): ' +
          'back off before polling again',
        { httpStatus, retryAfterMs: retryAfterOf(response) },
      );
    }
    if (httpStatus >= 500) {
      throw new TransientProviderError(
        `MailPartner answered HTTP ${httpStatus} for message ${messageId}: a fault on the ` +
          `provider's side, retried automatically. Body starts with: ${bodyExcerpt(body, apiKey)}`,
        { httpStatus },
      );
    }
    return parseBulkStatusReply(body, {
      messageId,
      apiKey,
      httpStatus,
      retryAfterMs: retryAfterOf(response),
    });
  }

  function requestFailure(
    error: unknown,
    request: { url: URL; messageId: string; timedOut: boolean; response: Response | undefined },
  ): Error {
    const cause = scrubError(error, apiKey);
    const httpStatus = request.response?.status;
    if (request.timedOut) {
      return new TransientProviderError(
        `MailPartner did not answer within ${timeoutMs} ms for message ${request.messageId}: ` +
          'the provider is slow or unreachable; retried automatically, raise timeoutMs if it persists',
        { cause, httpStatus },
      );
    }
    return new TransientProviderError(
      `Could not get a reply from MailPartner (${safeUrl(request.url)}) for message ` +
        `${request.messageId}: ${describeNetworkError(cause)}; retried automatically, ` +
        'check the network and the base URL if it persists',
      { cause, httpStatus },
    );
  }

  function replyTooLarge(
    error: BodyTooLargeError,
    messageId: string,
    response: Response | undefined,
  ): ReplyTooLargeError {
    return new ReplyTooLargeError(
      `MailPartner sent a reply over ${error.maxBytes} bytes for message ${messageId}: more ` +
        'than this client reads (about 500,000 recipients at the default); not retried now, the ' +
        'message backs off and is reported as a poison message if it persists',
      error.maxBytes,
      { cause: error, httpStatus: response?.status },
    );
  }

  function redirectRefused(response: Response, url: URL, messageId: string): ProviderRedirectError {
    // The body is never read: nothing a redirect carries is taken as data.
    response.body?.cancel().catch(() => {});
    const location = redirectTarget(response.headers.get('location'), url, apiKey);
    return new ProviderRedirectError(
      `MailPartner endpoint ${safeUrl(url)} answered HTTP ${response.status} for message ` +
        `${messageId}, redirecting to ${location ?? '(no Location header)'}: redirects are refused ` +
        'so the API key is never sent to another address; set MAILPARTNER_BASE_URL to the ' +
        "API's real address if the provider moved",
      location,
      { httpStatus: response.status },
    );
  }

  function retryAfterOf(response: Response): number | undefined {
    return parseRetryAfter(response.headers.get('retry-after'), Date.now());
  }

  /** Last line of defence: whatever escapes, escapes without the key. */
  function keyFree(error: unknown): unknown {
    if (error instanceof MailPartnerError) {
      error.message = redactApiKey(error.message, apiKey);
      if (error.stack !== undefined) error.stack = redactApiKey(error.stack, apiKey);
      return error;
    }
    // Not ours (a bug, or something the fetch implementation threw unexpectedly).
    return scrubError(error, apiKey);
  }

  return {
    async bulkStatus(messageId, callOptions = {}) {
      const callerSignal = callOptions.signal;
      callerSignal?.throwIfAborted();
      if (apiKey.trim() === '') {
        throw new ProviderConfigurationError(
          'MailPartner API key is empty: set MAILPARTNER_API_KEY',
        );
      }
      if (messageId.trim() === '') {
        throw new ProviderBadRequestError(
          'bulkStatus was called with an empty messageId: this is a bug in the caller',
        );
      }
      try {
        return await pRetry(() => attempt(messageId, callerSignal), {
          retries,
          factor: 2,
          minTimeout: minBackoffMs,
          maxTimeout: Math.max(MAX_BACKOFF_MS, minBackoffMs),
          // Jitter, so that pollers that failed together do not retry together.
          randomize: true,
          signal: callerSignal,
          shouldRetry: ({ error }) => error instanceof TransientProviderError,
        });
      } catch (error) {
        if (callerSignal?.aborted) throw callerSignal.reason;
        throw keyFree(error);
      }
    },
  };
}

/** `{baseUrl}/bulk-status`, whether or not baseUrl ends with '/'. */
function endpointFor(baseUrl: string): URL {
  const base = baseUrl.endsWith('/') ? baseUrl : `${baseUrl}/`;
  let endpoint: URL;
  try {
    endpoint = new URL('bulk-status', base);
  } catch {
    throw new TypeError(`MailPartner baseUrl is not an absolute URL: ${safeUrl(baseUrl)}`);
  }
  if (endpoint.protocol !== 'https:' && endpoint.protocol !== 'http:') {
    throw new TypeError(`MailPartner baseUrl must be http(s): ${safeUrl(baseUrl)}`);
  }
  if (/[?#]/.test(baseUrl)) {
    // new URL('bulk-status', 'https://h/v1?x') is https://h/bulk-status: the path would be lost.
    throw new TypeError(
      `MailPartner baseUrl must not have a ?query or #fragment (it would drop the path): ${safeUrl(baseUrl)}`,
    );
  }
  if (endpoint.username !== '' || endpoint.password !== '') {
    // fetch refuses such URLs anyway; say so once, and never print the password.
    throw new TypeError(
      `MailPartner baseUrl must not contain user info (user:password@): ${safeUrl(baseUrl)}; ` +
        'MailPartner authenticates with MAILPARTNER_API_KEY',
    );
  }
  return endpoint;
}

function isRedirect(status: number): boolean {
  return status >= 300 && status <= 399;
}

/** Where a redirect points, resolved against the request, fit for an error message; null when absent. */
function redirectTarget(header: string | null, request: URL, apiKey: string): string | null {
  if (header === null || header.trim() === '') return null;
  let target: string;
  try {
    target = safeUrl(new URL(header, request));
  } catch {
    target = JSON.stringify(safeUrl(header));
  }
  const text = redactApiKey(target, apiKey);
  return text.length > 300 ? `${text.slice(0, 300)}…` : text;
}

function checkNumber(name: string, value: number, min: number): number {
  if (!Number.isInteger(value) || value < min) {
    throw new RangeError(
      `MailPartner client option ${name} must be an integer >= ${min}, got ${value}`,
    );
  }
  return value;
}

/** "fetch failed (ECONNREFUSED: connect ECONNREFUSED 127.0.0.1:1)" from a scrubbed error. */
function describeNetworkError(error: Error): string {
  const inner = error.cause instanceof Error ? error.cause : undefined;
  const code = (inner as { code?: unknown } | undefined)?.code;
  const detail = inner ? ` (${typeof code === 'string' ? `${code}: ` : ''}${inner.message})` : '';
  return `${error.message}${detail}`.slice(0, 300);
}
