/**
 * MailPartner in process: a `fetch` that answers `bulk-status` requests from
 * per-message scripts, rendering each reply with the simulator's own renderer
 * (`local/simulator/replies.ts`), so the production client (retries, parsing,
 * error classes) runs unchanged without a socket.
 *
 * Each request takes the next step of its message's script; the last step
 * repeats forever (the provider's final answer). A step is any simulator reply
 * (ok, provider code, HTTP status, HTML, empty, truncated, reset mid-body, raw
 * body) or `network` (the connection fails before any answer).
 */
import { renderReply, type ScriptedReply } from '../../local/simulator/replies.ts';

export type ProviderStep = ScriptedReply | { readonly kind: 'network' };

export interface ScriptedMailPartnerOptions {
  /** The one key accepted; any other gets code 10, a missing one code 1. */
  readonly apiKey: string;
  /** ms epoch, for the default `date` of rows. */
  readonly clock: () => number;
}

/** Sentinel host: the client needs an absolute base URL, nothing is ever resolved. */
export const FAKE_PROVIDER_URL = 'https://mailpartner.invalid/v1';

export class ScriptedMailPartner {
  readonly #scripts = new Map<string, { steps: readonly ProviderStep[]; next: number }>();
  readonly #options: ScriptedMailPartnerOptions;
  /** Requests served, per step (see `describeStep`). */
  readonly served = new Map<string, number>();

  constructor(options: ScriptedMailPartnerOptions) {
    this.#options = options;
  }

  /** Replaces the script of `messageId`; `steps` must not be empty. */
  script(messageId: string, steps: readonly ProviderStep[]): void {
    if (steps.length === 0) throw new RangeError('a script needs at least one step');
    this.#scripts.set(messageId, { steps, next: 0 });
  }

  /** Moves every script to its last step: from now on each message gives its final answer. */
  finish(): void {
    for (const script of this.#scripts.values()) script.next = script.steps.length - 1;
  }

  /** Whether `messageId`'s final step has been served at least once. */
  finalServed(messageId: string): boolean {
    const script = this.#scripts.get(messageId);
    return script !== undefined && script.next >= script.steps.length;
  }

  /** Pass as the client's `fetch`. */
  readonly fetch = async (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    init?.signal?.throwIfAborted();
    await Promise.resolve();
    const url = new URL(input instanceof Request ? input.url : String(input));
    const messageId = url.searchParams.get('messageId') ?? '';
    const apiKey = url.searchParams.get('apiKey');
    const format = url.searchParams.get('_format') === 'xml' ? 'xml' : 'json';

    let step: ProviderStep;
    if (!apiKey) step = { kind: 'code', code: 1 };
    else if (!messageId) step = { kind: 'code', code: 3 };
    else if (apiKey !== this.#options.apiKey) step = { kind: 'code', code: 10 };
    else {
      const script = this.#scripts.get(messageId);
      if (!script) step = { kind: 'code', code: 4 };
      else {
        step = script.steps[Math.min(script.next, script.steps.length - 1)] as ProviderStep;
        script.next += 1;
      }
    }
    const label = describeStep(step);
    this.served.set(label, (this.served.get(label) ?? 0) + 1);
    if (step.kind === 'network') {
      const cause = Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' });
      throw new TypeError('fetch failed', { cause });
    }
    const rendered = renderReply(step, { format, messageId, nowMs: this.#options.clock() });
    const headers = new Headers(rendered.headers);
    if (rendered.dropAfter === undefined) {
      return new Response(rendered.body, { status: rendered.status, headers });
    }
    // Headers and half the body, then the connection drops.
    const half = new TextEncoder().encode(rendered.body.slice(0, rendered.dropAfter));
    let sent = false;
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (sent) {
          controller.error(new TypeError('terminated', { cause: new Error('other side closed') }));
          return;
        }
        sent = true;
        controller.enqueue(half);
      },
    });
    return new Response(body, { status: rendered.status, headers });
  };
}

/** 'ok', 'code 4', 'http 502', 'html'...: how a step is counted in `served`. */
export function describeStep(step: ProviderStep): string {
  if (step.kind === 'code') return `code ${step.code}`;
  if (step.kind === 'http') return `http ${step.status}`;
  return step.kind;
}
