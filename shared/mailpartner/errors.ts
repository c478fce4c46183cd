/**
 * The MailPartner client's own errors. Every failure of `bulkStatus` is one of
 * these (except a caller abort, which rejects with the caller's abort reason, as
 * `fetch` does), so callers branch on `kind` or `instanceof`, never on messages.
 *
 * No message, `cause` or stack built here ever holds the API key: the client
 * scrubs every cause before wrapping it (see `redact.ts`).
 */
import { type ErrorKind, StatusSyncError } from '../errors.ts';

/** What went wrong, in terms of what the caller should do about it. */
export type ProviderErrorKind = Extract<
  ErrorKind,
  'configuration' | 'not-found' | 'rate-limited' | 'transient' | 'bad-request' | 'reply-mismatch'
>;

/** Fields every MailPartner error carries besides its message. */
export interface MailPartnerErrorDetails {
  readonly kind: ProviderErrorKind;
  /** See {@link MailPartnerError.retryable}. */
  readonly retryable: boolean;
  readonly providerCode?: number | undefined;
  readonly httpStatus?: number | undefined;
  readonly cause?: unknown;
}

/** Details a subclass lets its callers set (the subclass fixes `kind` and `retryable`). */
export type MailPartnerErrorOptions = Omit<MailPartnerErrorDetails, 'kind' | 'retryable'>;

/** Base class of every error the MailPartner client throws. */
export class MailPartnerError extends StatusSyncError {
  readonly kind: ProviderErrorKind;
  /**
   * True when the same request may succeed later with nobody changing anything
   * (transient faults, rate limiting, a message whose report is not there yet).
   * False when a human or a code fix is needed. The client itself only retries
   * `kind === 'transient'`; the others are the caller's call.
   */
  readonly retryable: boolean;
  /** The `code` of the provider's reply, when there was a readable one. */
  readonly providerCode?: number;
  /** HTTP status of the reply, when a reply arrived at all. */
  readonly httpStatus?: number;

  constructor(message: string, details: MailPartnerErrorDetails) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.name = 'MailPartnerError';
    this.kind = details.kind;
    this.retryable = details.retryable;
    if (details.providerCode !== undefined) this.providerCode = details.providerCode;
    if (details.httpStatus !== undefined) this.httpStatus = details.httpStatus;
  }
}

/**
 * The provider rejected our credentials (code 1: key missing, code 10: key
 * wrong), or the account cannot use the API. Permanent: never retried; someone
 * must fix the configuration.
 */
export class ProviderConfigurationError extends MailPartnerError {
  constructor(message: string, options: MailPartnerErrorOptions = {}) {
    super(message, { ...options, kind: 'configuration', retryable: false });
    this.name = 'ProviderConfigurationError';
  }
}

/**
 * The provider says our request is malformed (code 3: messageId missing). That
 * is a bug on our side, so it is permanent and never retried.
 */
export class ProviderBadRequestError extends MailPartnerError {
  constructor(message: string, options: MailPartnerErrorOptions = {}) {
    super(message, { ...options, kind: 'bad-request', retryable: false });
    this.name = 'ProviderBadRequestError';
  }
}

/**
 * The endpoint answered with a redirect (HTTP 3xx). The client never follows
 * one: the API key travels in the query string, so following would send it to
 * whatever host the `Location` names, and the redirected body would be taken
 * for the provider's. `kind` is `configuration` (never retried, the cycle
 * stops): the provider documents no redirect, so a 3xx almost always means the
 * base URL is not the API's final address (an `http://` URL answered by
 * `https://`, a moved path) and every message gets the same answer; retrying
 * cannot help because the answer will not change, and a human must set
 * `MAILPARTNER_BASE_URL` to the address they trust.
 */
export class ProviderRedirectError extends MailPartnerError {
  /** The `Location` header, resolved and made log-safe (key and user info masked); null when absent. */
  readonly location: string | null;

  constructor(message: string, location: string | null, options: MailPartnerErrorOptions = {}) {
    super(message, { ...options, kind: 'configuration', retryable: false });
    this.name = 'ProviderRedirectError';
    this.location = location;
  }
}

/**
 * A success reply that names another message than the one asked about (a cache
 * or proxy that mixed up replies, or a provider bug). Nothing of it may be
 * used: its recipients would be published as ours. Its own kind, so that
 * metrics and alarms count it apart from transient noise; `retryable` because
 * the next poll may get the right reply, but never retried inside the client,
 * where a retry that happened to work would hide the mix-up.
 */
export class ReplyForOtherMessageError extends MailPartnerError {
  constructor(
    message: string,
    /** The messageId we asked about. */
    readonly expectedMessageId: string,
    /** The messageId the reply names, as sent (cut to 100 characters). */
    readonly replyMessageId: string,
    options: MailPartnerErrorOptions = {},
  ) {
    super(message, { ...options, kind: 'reply-mismatch', retryable: true });
    this.name = 'ReplyForOtherMessageError';
  }
}

/**
 * The provider does not know this message (code 4). Not retried inside the
 * client: right after sending it is usually transient, days later it is not,
 * and only the caller knows how old the message is.
 */
export class MessageNotFoundError extends MailPartnerError {
  readonly messageId: string;

  constructor(message: string, messageId: string, options: MailPartnerErrorOptions = {}) {
    super(message, { ...options, kind: 'not-found', retryable: true });
    this.name = 'MessageNotFoundError';
    this.messageId = messageId;
  }
}

/**
 * The provider asked us to slow down (HTTP 429 or code 429). Not retried inside
 * the client: retrying at once would only make it worse; the caller backs off.
 */
export class RateLimitedError extends MailPartnerError {
  /** Delay the provider asked for (from `Retry-After`), when it gave one. */
  readonly retryAfterMs?: number;

  constructor(message: string, options: MailPartnerErrorOptions & { retryAfterMs?: number } = {}) {
    const { retryAfterMs, ...rest } = options;
    super(message, { ...rest, kind: 'rate-limited', retryable: true });
    this.name = 'RateLimitedError';
    if (retryAfterMs !== undefined) this.retryAfterMs = retryAfterMs;
  }
}

/**
 * Anything that is not a well-formed, understood reply: timeout, network error,
 * HTTP 5xx, HTML or empty body, truncated JSON/XML, a reply that does not match
 * the documented shape, an unknown code. The client retries these with bounded
 * exponential backoff and throws the last one when the budget is spent.
 */
export class TransientProviderError extends MailPartnerError {
  constructor(message: string, options: MailPartnerErrorOptions = {}) {
    super(message, { ...options, kind: 'transient', retryable: true });
    this.name = 'TransientProviderError';
  }
}

/**
 * A reply body larger than the client's cap (`maxReplyBytes`, default
 * `MAX_BODY_BYTES` of `read-body.ts`). Not retried within the poll: the same
 * message gives the same body a moment later. Its kind is `transient`, so the
 * cycle goes on with the other messages, and the sync's failure streak backs
 * the message off and reports it as a poison message (`record-failure.ts`).
 */
export class ReplyTooLargeError extends MailPartnerError {
  constructor(
    message: string,
    readonly maxBytes: number,
    options: MailPartnerErrorOptions = {},
  ) {
    super(message, { ...options, kind: 'transient', retryable: false });
    this.name = 'ReplyTooLargeError';
  }
}

/**
 * A reply body larger than `readBodyText` allows (see `read-body.ts`). The
 * client turns it into a `ReplyTooLargeError` naming the message; its kind
 * says the same should it escape on its own.
 */
export class BodyTooLargeError extends StatusSyncError {
  readonly kind = 'transient';

  constructor(readonly maxBytes: number) {
    super(`reply body is larger than ${maxBytes} bytes`);
    this.name = 'BodyTooLargeError';
  }
}
