/**
 * Judging a `bulk-status` reply body: the provider's `success` and `code` say
 * what happened (its HTTP statuses are undocumented), anything unreadable is a
 * transient fault. Pure: no I/O, so every provider answer is testable as a string.
 */
import type * as z from 'zod';
import { mergeDuplicateRows } from '../diff/merge-rows.ts';
import { type BulkStatus, type RecipientReport, recipientKey } from '../model.ts';
import {
  type MailPartnerError,
  MessageNotFoundError,
  ProviderBadRequestError,
  ProviderConfigurationError,
  RateLimitedError,
  ReplyForOtherMessageError,
  TransientProviderError,
} from './errors.ts';
import { bodyExcerpt, redactApiKey } from './redact.ts';
import { recipientRowSchema, replyEnvelopeSchema, successReplySchema } from './reply-schema.ts';
import { xmlReplyToObject } from './xml-reply.ts';

/** What the parser needs to know about the request the body answers. */
export interface ReplyContext {
  /** The messageId we asked about; it is also the one returned in {@link BulkStatus}. */
  readonly messageId: string;
  /** Only used to mask the key in error messages. */
  readonly apiKey: string;
  readonly httpStatus?: number;
  /** From the reply's `Retry-After`, for a code 429 in the body. */
  readonly retryAfterMs?: number;
}

/**
 * Codes documented for the other MailPartner endpoints that mean the account
 * itself cannot use the API (20 disabled, 30 blocked, 40 API access denied,
 * 96 IP not authorised). Not documented for `bulk-status`, but if they come,
 * retrying will not help and a human must act.
 */
const ACCOUNT_CODES: ReadonlyMap<number, string> = new Map([
  [20, 'the account is disabled'],
  [30, 'the account is blocked'],
  [40, 'API access is denied for this account'],
  [96, 'this IP address is not authorised'],
]);

/** How many schema issues an error message lists; the rest are counted. */
const MAX_LISTED_ISSUES = 3;

/**
 * Turns a reply body (JSON or XML, whichever it turns out to be) into a
 * {@link BulkStatus}, or throws the {@link MailPartnerError} that describes it.
 *
 * Rows: every row must become a {@link RecipientReport}. A row that cannot (no
 * email, over-long field, unreadable `stopMail`) fails the whole reply as a
 * {@link TransientProviderError} naming the row, because dropping it would lose
 * that recipient's status without anyone noticing, while a failed poll is
 * retried and alarmed on. Two rows with the same `recipientKey()` are one
 * recipient reported twice: they are merged by `mergeReports` (an unsubscribe
 * is never lost, a status never goes backwards, else the later row wins), at
 * the first row's position.
 *
 * `BulkStatus.messageId` is the id we asked about. The reply's own `messageId`
 * must name the same message (see {@link sameMessage}); one that names another
 * fails the reply as a {@link ReplyForOtherMessageError}, so that a cache or
 * proxy mix-up never publishes one message's recipients as another's.
 */
export function parseBulkStatusReply(body: string, context: ReplyContext): BulkStatus {
  const value = decodeBody(body, context);

  const envelope = replyEnvelopeSchema.safeParse(value);
  if (!envelope.success) {
    throw schemaMismatch(context, body, 'the reply', envelope.error);
  }
  const { success, code, message } = envelope.data;

  if (!success) throw errorForCode(code, message, body, context);
  if (code !== 200) {
    throw transient(
      context,
      body,
      `reported success with unexpected code ${code}; retrying may help, if it persists the API changed`,
      code,
    );
  }

  const reply = successReplySchema.safeParse(value);
  if (!reply.success) {
    throw schemaMismatch(context, body, 'the reply', reply.error, code);
  }

  const replied = reply.data.messageId;
  if (!sameMessage(context.messageId, replied)) {
    const shown = String(replied).slice(0, 100);
    throw new ReplyForOtherMessageError(
      redactApiKey(
        `MailPartner answered about message ${JSON.stringify(shown)} when asked about ` +
          `${JSON.stringify(context.messageId)}: nothing of this reply is used (a cache or proxy ` +
          'mixing up replies, or a provider fault); the next poll asks again',
        context.apiKey,
      ),
      context.messageId,
      shown,
      { providerCode: code, httpStatus: context.httpStatus },
    );
  }

  const rows: RecipientReport[] = [];
  for (const [index, raw] of reply.data.StatutResponseList.entries()) {
    const row = recipientRowSchema.safeParse(raw);
    if (!row.success) {
      throw schemaMismatch(context, body, `recipient row ${index + 1}`, row.error, code);
    }
    rows.push(row.data);
  }
  const recipients = mergeDuplicateRows(rows, recipientKey);

  return { messageId: context.messageId, recipients: [...recipients.values()] };
}

/**
 * The placeholder the provider's documentation shows where the reply's
 * messageId goes (`"messageId": "xxx"` for a request about 300): a reply
 * carrying it says nothing about which message it is, like one without the field.
 */
const DOCUMENTED_PLACEHOLDER = 'xxx';

/**
 * Whether the reply's `messageId` names the message we asked about. Forms that
 * only differ in writing are the same message: a number or a string (300 and
 * "300"), surrounding whitespace, Unicode normalisation (NFC), leading zeros of
 * a numeric id. Absent, null, empty or the documented placeholder: nothing to
 * compare, so it is taken as ours (the provider's own example would fail otherwise).
 */
export function sameMessage(asked: string, replied: string | number | null | undefined): boolean {
  if (replied === null || replied === undefined) return true;
  const theirs = canonicalId(String(replied));
  if (theirs === '' || theirs.toLowerCase() === DOCUMENTED_PLACEHOLDER) return true;
  return theirs === canonicalId(asked);
}

function canonicalId(id: string): string {
  const text = id.trim().normalize('NFC');
  return /^\d+$/.test(text) ? text.replace(/^0+(?=\d)/, '') : text;
}

/** JSON or XML to a plain value; the body's first character decides, not the request. */
function decodeBody(body: string, context: ReplyContext): unknown {
  const text = body.trim();
  const html = /^<(?:!doctype\s+html|html)[\s>]/i.test(text);
  // A 404 whose body is no API reply is a web server saying the path does not exist:
  // the base URL is wrong (most often `/v1` left out), and retrying cannot fix that.
  // A 404 carrying JSON or XML is still judged by its body (the provider's codes).
  if (context.httpStatus === 404 && (html || !/^[{[<]/.test(text))) {
    throw wrongBaseUrl(context, body);
  }
  if (text === '') {
    throw transient(context, body, 'came with an empty body; the provider may be overloaded');
  }
  if (text.startsWith('{') || text.startsWith('[')) {
    try {
      return JSON.parse(text);
    } catch {
      throw transient(context, body, 'is not valid JSON (truncated or malformed)');
    }
  }
  if (html) {
    throw transient(
      context,
      body,
      'is an HTML page, not an API reply (maintenance page or proxy error?)',
    );
  }
  if (text.startsWith('<')) {
    const converted = xmlReplyToObject(text);
    if (!converted.ok)
      throw transient(context, body, `is not a usable reply: ${converted.problem}`);
    return converted.value;
  }
  throw transient(context, body, 'is neither JSON nor XML');
}

/** HTTP 404 with a page that is not an API reply: the endpoint is not where we asked. */
function wrongBaseUrl(context: ReplyContext, body: string): ProviderConfigurationError {
  return new ProviderConfigurationError(
    redactApiKey(
      `MailPartner bulk-status request for message ${context.messageId} answered HTTP 404 ` +
        'with a page that is not an API reply: the endpoint does not exist at this address. ' +
        'Check MAILPARTNER_BASE_URL: it must be the API base including /v1 ' +
        `(such as https://api.mailpartner.fr/v1). Body starts with: ${bodyExcerpt(body, context.apiKey)}`,
      context.apiKey,
    ),
    { httpStatus: context.httpStatus },
  );
}

function errorForCode(
  code: number,
  message: unknown,
  body: string,
  context: ReplyContext,
): MailPartnerError {
  const details = { providerCode: code, httpStatus: context.httpStatus };
  const said = providerSaid(message, context.apiKey);
  switch (code) {
    case 1:
      return new ProviderConfigurationError(
        `MailPartner says the API key is missing (code 1${said}): set MAILPARTNER_API_KEY`,
        details,
      );
    case 10:
      return new ProviderConfigurationError(
        `MailPartner rejected the API key (code 10${said}): check MAILPARTNER_API_KEY`,
        details,
      );
    case 3:
      return new ProviderBadRequestError(
        `MailPartner says the message ID is missing (code 3${said}) though we sent ` +
          `${JSON.stringify(context.messageId)}: this is a bug in the client, not a provider fault`,
        details,
      );
    case 4:
      return new MessageNotFoundError(
        `MailPartner does not know message ${context.messageId} (code 4${said}): right after ` +
          'sending, poll again later; if it persists, check the messageId',
        context.messageId,
        details,
      );
    case 429:
      return new RateLimitedError(
        `MailPartner rate limit reached (code 429${said}): back off before polling again`,
        { ...details, retryAfterMs: context.retryAfterMs },
      );
    default: {
      const accountProblem = ACCOUNT_CODES.get(code);
      if (accountProblem !== undefined) {
        return new ProviderConfigurationError(
          `MailPartner refused the request: ${accountProblem} (code ${code}${said}): ` +
            'fix the MailPartner account settings',
          details,
        );
      }
      return transient(
        context,
        body,
        `failed with unexpected code ${code}${said}; retrying may help, if it persists ` +
          'check the MailPartner documentation for this code',
        code,
      );
    }
  }
}

/** `: "<provider message>"`, sanitized, or nothing when the provider said nothing. */
function providerSaid(message: unknown, apiKey: string): string {
  if (typeof message !== 'string' || message.trim() === '') return '';
  return `, "${bodyExcerpt(message, apiKey)}"`;
}

function schemaMismatch(
  context: ReplyContext,
  body: string,
  what: string,
  error: z.ZodError,
  code?: number,
): TransientProviderError {
  const issues = error.issues.slice(0, MAX_LISTED_ISSUES).map((issue) => {
    const path = issue.path.length > 0 ? issue.path.join('.') : '(root)';
    return `${path}: ${issue.message}`;
  });
  const more = error.issues.length - issues.length;
  const listed = issues.join('; ') + (more > 0 ? `; and ${more} more` : '');
  return transient(
    context,
    body,
    `does not match the documented shape (${what}: ${listed}); retrying may help, if it ` +
      'persists the provider changed its format',
    code,
  );
}

function transient(
  context: ReplyContext,
  body: string,
  problem: string,
  code?: number,
): TransientProviderError {
  const status = context.httpStatus === undefined ? '' : ` (HTTP ${context.httpStatus})`;
  return new TransientProviderError(
    redactApiKey(
      `MailPartner bulk-status reply for message ${context.messageId}${status} ${problem}. ` +
        `Body starts with: ${bodyExcerpt(body, context.apiKey)}`,
      context.apiKey,
    ),
    { providerCode: code, httpStatus: context.httpStatus },
  );
}
