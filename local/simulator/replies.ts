/**
 * The replies the simulator can give, from a well-formed provider body to
 * hostile ones (HTML, empty, truncated, dropped connection), and how each is
 * rendered to a status, headers and body. Pure: the server only writes the result.
 */
import { STATUS_CODES } from 'node:http';
import { defaultToken } from './timeline.ts';
import {
  contentTypeFor,
  PROVIDER_MESSAGES,
  renderError,
  renderSuccess,
  type WireFormat,
  type WireRecipient,
} from './wire-format.ts';

/** A recipient row of a scripted success; left-out fields get provider-like defaults. */
export interface ScriptedRecipient {
  readonly email: string;
  /** Default: a stable token derived from the email. */
  readonly token?: string;
  readonly status: string;
  /** Default 1. */
  readonly cost?: number;
  /** Default false. */
  readonly stopMail?: boolean;
  /**
   * A number is Unix **seconds** (sent as its string); a string is sent verbatim,
   * so hostile dates ('', 'yesterday') can be scripted. Default: the clock now.
   */
  readonly date?: number | string;
}

/** One reply to one poll. */
export type ScriptedReply =
  /** `{success:true, code:200, ...}` in the requested format. */
  | { readonly kind: 'ok'; readonly recipients: readonly ScriptedRecipient[] }
  /** Provider error body `{success:false, code, message}`, HTTP 200, in the requested format. */
  | { readonly kind: 'code'; readonly code: number; readonly message?: string }
  /** A bare HTTP status; body defaults to an nginx-like HTML page. */
  | {
      readonly kind: 'http';
      readonly status: number;
      readonly body?: string;
      readonly contentType?: string;
      readonly headers?: Readonly<Record<string, string>>;
    }
  /** HTTP 200 with an HTML maintenance page instead of the API body. */
  | { readonly kind: 'html' }
  /** HTTP 200 with an empty body. */
  | { readonly kind: 'empty' }
  /**
   * A complete HTTP reply whose body is another reply cut in the middle.
   * Default `of`: a two-recipient success like the provider page.
   */
  | { readonly kind: 'truncated'; readonly of?: ScriptedReply }
  /** Headers announce the full body, half of it is sent, then the connection drops. */
  | { readonly kind: 'reset'; readonly of?: ScriptedReply }
  /** `then`, after a real-time delay (independent of the simulator clock). */
  | { readonly kind: 'slow'; readonly delayMs: number; readonly then: ScriptedReply }
  /** Anything at all. Defaults: HTTP 200, JSON content type. */
  | {
      readonly kind: 'raw';
      readonly body: string;
      readonly contentType?: string;
      readonly status?: number;
    };

/** The kind of a reply. */
export type ReplyKind = ScriptedReply['kind'];

/** A reply ready to write. */
export interface RenderedReply {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
  /** When set, only this many characters of `body` are sent before the socket is destroyed. */
  readonly dropAfter?: number;
  /** Provider `code` in the body, when the body is a provider envelope. */
  readonly code?: number;
}

/** What rendering needs to know about the request. */
export interface ReplyContext {
  readonly format: WireFormat;
  readonly messageId: string;
  /** Simulator clock, ms epoch: the default `date` of scripted rows. */
  readonly nowMs: number;
}

const HTML = 'text/html; charset=utf-8';

/**
 * Builds a `slow` reply. Prefer it to an object literal: Biome flags any literal
 * with a `then` key (thenable hazard), and this keeps the one exemption here.
 */
export function slow(delayMs: number, reply: ScriptedReply): ScriptedReply {
  // biome-ignore lint/suspicious/noThenProperty: `then` is the public ScriptedReply field; these objects are never awaited.
  return { kind: 'slow', delayMs, then: reply };
}

/** Strips (possibly nested) `slow` wrappers, adding up their delays. */
export function unwrapSlow(reply: ScriptedReply): { reply: ScriptedReply; delayMs: number } {
  let delayMs = 0;
  let current = reply;
  while (current.kind === 'slow') {
    delayMs += Math.max(0, current.delayMs);
    current = current.then;
  }
  return { reply: current, delayMs };
}

/** Renders a reply; a `slow` wrapper is ignored here (the server applies the delay). */
export function renderReply(reply: ScriptedReply, ctx: ReplyContext): RenderedReply {
  switch (reply.kind) {
    case 'ok':
      return {
        status: 200,
        headers: { 'content-type': contentTypeFor(ctx.format) },
        body: renderSuccess(ctx.messageId, reply.recipients.map(toWire(ctx.nowMs)), ctx.format),
        code: 200,
      };
    case 'code':
      return {
        status: 200,
        headers: { 'content-type': contentTypeFor(ctx.format) },
        body: renderError(
          reply.code,
          reply.message ?? PROVIDER_MESSAGES[reply.code] ?? 'Erreur',
          ctx.format,
        ),
        code: reply.code,
      };
    case 'http':
      return {
        status: reply.status,
        headers: { 'content-type': reply.contentType ?? HTML, ...reply.headers },
        body: reply.body ?? errorPage(reply.status),
      };
    case 'html':
      return { status: 200, headers: { 'content-type': HTML }, body: MAINTENANCE_PAGE };
    case 'empty':
      return { status: 200, headers: { 'content-type': contentTypeFor(ctx.format) }, body: '' };
    case 'truncated': {
      const full = renderReply(reply.of ?? sampleSuccess(), ctx);
      return { ...full, body: full.body.slice(0, Math.floor(full.body.length / 2)) };
    }
    case 'reset': {
      const full = renderReply(reply.of ?? sampleSuccess(), ctx);
      return { ...full, dropAfter: Math.floor(full.body.length / 2) };
    }
    case 'slow':
      return renderReply(unwrapSlow(reply).reply, ctx);
    case 'raw':
      return {
        status: reply.status ?? 200,
        headers: { 'content-type': reply.contentType ?? contentTypeFor('json') },
        body: reply.body,
      };
  }
}

/** The two-recipient success of the provider page, for faults that need a body to cut. */
function sampleSuccess(): ScriptedReply {
  return {
    kind: 'ok',
    recipients: [
      { email: 'email1@example.com', token: 'xxx', status: 'Delivered', stopMail: true },
      { email: 'email2@example.com', token: 'yyy', status: 'Delivered', stopMail: true },
    ],
  };
}

function toWire(nowMs: number) {
  return (r: ScriptedRecipient): WireRecipient => ({
    email: r.email,
    token: r.token ?? defaultToken(r.email),
    status: r.status,
    cost: r.cost ?? 1,
    stopMail: r.stopMail ?? false,
    date:
      typeof r.date === 'string'
        ? r.date
        : String(r.date === undefined ? Math.floor(nowMs / 1000) : Math.trunc(r.date)),
  });
}

/** What a reverse proxy in front of the API would send. */
function errorPage(status: number): string {
  const title = `${status} ${STATUS_CODES[status] ?? 'Error'}`;
  return `<html>\r\n<head><title>${title}</title></head>\r\n<body>\r\n<center><h1>${title}</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n`;
}

const MAINTENANCE_PAGE = `<!DOCTYPE html>
<html lang="fr">
<head><meta charset="utf-8"><title>Maintenance</title></head>
<body><h1>Plateforme en maintenance</h1><p>Merci de réessayer dans quelques instants.</p></body>
</html>
`;
