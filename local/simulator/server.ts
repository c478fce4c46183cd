/**
 * The MailPartner simulator: a loopback HTTP server that answers
 * `GET {basePath}/bulk-status?apiKey=..&messageId=..[&_format=xml]` like the
 * provider, from scripted replies (exact replay for client tests) or from
 * timelines (realistic traffic for the demo, integration tests and benchmarks),
 * with optional seeded fault injection. Runtime code: no test framework here.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { listenOnLoopback } from '../listen.ts';
import {
  createFaultInjector,
  type FaultInjector,
  type FaultKind,
  type FaultOptions,
} from './faults.ts';
import {
  type RenderedReply,
  type ReplyKind,
  renderReply,
  type ScriptedReply,
  unwrapSlow,
} from './replies.ts';
import {
  buildTimeline,
  messageStateAt,
  type SimMessageTimeline,
  type SimRecipientTimeline,
  toWireRecipient,
} from './timeline.ts';
import { generateTraffic, type TrafficOptions } from './traffic.ts';
import type { WireFormat } from './wire-format.ts';

export type { FaultKind, FaultOptions } from './faults.ts';
export { type ReplyKind, type ScriptedRecipient, type ScriptedReply, slow } from './replies.ts';
export {
  changesBetween,
  messageStateAt,
  type SimMessageTimeline,
  type SimRecipientTimeline,
} from './timeline.ts';
export type { TrafficOptions } from './traffic.ts';
export type { WireFormat } from './wire-format.ts';

/** How to start a simulator. */
export interface SimulatorOptions {
  /** The only accepted key: code 1 when the `apiKey` parameter is missing or empty, 10 when wrong. */
  readonly apiKey: string;
  /** Default 0 (an ephemeral port). The host is always 127.0.0.1. */
  readonly port?: number;
  /** ms epoch; default Date.now. Drives timelines and the request log, not `slow` delays. */
  readonly clock?: () => number;
  /** Default '/v1'. */
  readonly basePath?: string;
  /** Keep the request log (default true); long benchmarks may turn it off to save memory. */
  readonly recordRequests?: boolean;
}

/** One request as the simulator saw it. Never holds the API key (it travels in the query). */
export interface SimRequest {
  /** Simulator clock when the request arrived, ms epoch. */
  readonly at: number;
  /** URL path, without the query string. */
  readonly path: string;
  /** The `messageId` parameter; null when missing or empty. */
  readonly messageId: string | null;
  readonly format: WireFormat;
  /** Kind of the reply sent, `slow` unwrapped (see `delayMs`). */
  readonly reply: Exclude<ReplyKind, 'slow'>;
  /** HTTP status sent. */
  readonly status: number;
  /** Provider `code` in the body, for well-formed `ok` and `code` replies. */
  readonly code?: number;
  /** Real-time delay before the reply was sent, 0 when not slow. */
  readonly delayMs: number;
  /** The injected fault, null when the reply is the scripted or timeline one. */
  readonly fault: FaultKind | null;
}

/** Options of `addMessage`. */
export interface AddMessageOptions {
  /** Reported send time, ms epoch. Default: the earliest event. */
  readonly sentAt?: number;
  /** Code 4 before this time, ms epoch. Default: visible at once. */
  readonly visibleAt?: number;
}

/** A running simulator. */
export interface MailPartnerSimulator {
  /** Base URL for the client, e.g. 'http://127.0.0.1:PORT/v1'. */
  readonly url: string;
  /** Every request so far, oldest first. */
  readonly requests: readonly SimRequest[];
  /**
   * Replays `replies` for `messageId`, one per poll with a valid key, in order; the
   * last one repeats forever. Replaces any earlier script or timeline of that id.
   */
  script(messageId: string, replies: readonly ScriptedReply[]): void;
  /**
   * A timeline-driven message: each poll shows each recipient's state at the clock
   * time (recipients whose first event is in the future are not listed). Replaces
   * any earlier script or timeline of that id.
   */
  addMessage(
    messageId: string,
    recipients: readonly SimRecipientTimeline[],
    options?: AddMessageOptions,
  ): void;
  /** Creates realistic timeline-driven messages; returns their ids (numeric strings). */
  generate(options: TrafficOptions): string[];
  /** The timeline of a message added or generated, for computing expected replies. */
  timeline(messageId: string): SimMessageTimeline | undefined;
  /** Random faults on timeline-driven replies from now on; `setFaults({})` turns them off. */
  setFaults(faults: FaultOptions): void;
  /** Empties the request log. */
  clearRequests(): void;
  /** Stops listening and destroys every open connection, pending slow replies included. */
  close(): Promise<void>;
}

// Provider-like message ids are integers (the page polls messageId=300).
const FIRST_GENERATED_ID = 100_001;

/** Starts a simulator on 127.0.0.1 and resolves once it listens. */
export async function startSimulator(options: SimulatorOptions): Promise<MailPartnerSimulator> {
  const clock = options.clock ?? Date.now;
  const basePath = (options.basePath ?? '/v1').replace(/\/+$/, '');
  const endpoint = `${basePath}/bulk-status`;
  const recordRequests = options.recordRequests ?? true;

  const scripts = new Map<string, { replies: readonly ScriptedReply[]; polls: number }>();
  const timelines = new Map<string, SimMessageTimeline>();
  let requests: SimRequest[] = [];
  let faults: FaultInjector = createFaultInjector({});
  let nextGeneratedId = FIRST_GENERATED_ID;
  const pendingTimers = new Set<NodeJS.Timeout>();

  /** The reply a well-behaved provider would give, and any fault replacing it. */
  function decide(
    params: URLSearchParams,
    nowMs: number,
  ): { reply: ScriptedReply; fault: FaultKind | null } {
    // Order of checks is a guess: required parameters first, then the key's validity.
    const apiKey = params.get('apiKey');
    if (!apiKey) return { reply: { kind: 'code', code: 1 }, fault: null };
    const messageId = params.get('messageId');
    if (!messageId) return { reply: { kind: 'code', code: 3 }, fault: null };
    if (apiKey !== options.apiKey) return { reply: { kind: 'code', code: 10 }, fault: null };

    const script = scripts.get(messageId);
    if (script) {
      const reply = script.replies[Math.min(script.polls, script.replies.length - 1)];
      script.polls++;
      return { reply: reply ?? { kind: 'code', code: 4 }, fault: null };
    }
    const timeline = timelines.get(messageId);
    if (!timeline) return { reply: { kind: 'code', code: 4 }, fault: null };
    const state = messageStateAt(timeline, nowMs);
    const real: ScriptedReply = state.found
      ? { kind: 'ok', recipients: state.recipients.map(toWireRecipient) }
      : { kind: 'code', code: 4 };
    return faults.apply(real);
  }

  function handle(req: IncomingMessage, res: ServerResponse): void {
    // Nothing is expected in the body; drain it so the connection can be reused.
    req.resume();
    const nowMs = clock();
    const url = new URL(req.url ?? '/', 'http://simulator.invalid');
    const params = url.searchParams;
    const format: WireFormat = params.get('_format')?.toLowerCase() === 'xml' ? 'xml' : 'json';
    const messageId = params.get('messageId') || null;

    let decision: { reply: ScriptedReply; fault: FaultKind | null };
    if (url.pathname !== endpoint) {
      decision = { reply: { kind: 'http', status: 404 }, fault: null };
    } else if (req.method !== 'GET') {
      decision = {
        reply: { kind: 'http', status: 405, headers: { allow: 'GET' } },
        fault: null,
      };
    } else {
      decision = decide(params, nowMs);
    }

    const { reply, delayMs } = unwrapSlow(decision.reply);
    const rendered = renderReply(reply, { format, messageId: messageId ?? '', nowMs });
    if (recordRequests) {
      requests.push({
        at: nowMs,
        path: url.pathname,
        messageId,
        format,
        reply: reply.kind as SimRequest['reply'],
        status: rendered.status,
        ...(rendered.code !== undefined && (reply.kind === 'ok' || reply.kind === 'code')
          ? { code: rendered.code }
          : {}),
        delayMs,
        fault: decision.fault,
      });
    }

    if (delayMs === 0) {
      send(res, rendered);
      return;
    }
    const timer = setTimeout(() => {
      pendingTimers.delete(timer);
      try {
        send(res, rendered);
      } catch {
        // Outside the request handler nobody could catch it: drop the connection.
        res.destroy();
      }
    }, delayMs);
    pendingTimers.add(timer);
    // A client that times out and hangs up must not leave the timer behind.
    res.on('close', () => {
      clearTimeout(timer);
      pendingTimers.delete(timer);
    });
  }

  const server = createServer((req, res) => {
    try {
      handle(req, res);
    } catch (error) {
      // A bad script (say an invalid status or header) must fail the one request
      // visibly, not crash the process that hosts the tests or the demo.
      if (res.headersSent) {
        res.destroy();
        return;
      }
      res.writeHead(500, { 'content-type': 'text/plain; charset=utf-8' });
      res.end(`simulator error: ${error instanceof Error ? error.message : String(error)}`);
    }
  });
  const port = await listenOnLoopback(server, options.port ?? 0);
  let closing: Promise<void> | undefined;

  return {
    url: `http://127.0.0.1:${port}${basePath}`,
    get requests() {
      return requests;
    },
    script(messageId, replies) {
      if (replies.length === 0) throw new RangeError('script() needs at least one reply');
      timelines.delete(messageId);
      scripts.set(messageId, { replies: [...replies], polls: 0 });
    },
    addMessage(messageId, recipients, addOptions = {}) {
      scripts.delete(messageId);
      timelines.set(messageId, buildTimeline(messageId, recipients, addOptions));
    },
    generate(trafficOptions) {
      if (!Number.isInteger(trafficOptions.count) || trafficOptions.count < 0) {
        throw new RangeError('generate() needs a non-negative integer count');
      }
      const ids: string[] = [];
      while (ids.length < trafficOptions.count) {
        const id = String(nextGeneratedId++);
        // Never overwrite an id a test scripted or added by hand.
        if (!scripts.has(id) && !timelines.has(id)) ids.push(id);
      }
      for (const message of generateTraffic(trafficOptions, ids, clock())) {
        timelines.set(message.messageId, message);
      }
      return ids;
    },
    timeline: (messageId) => timelines.get(messageId),
    setFaults(faultOptions) {
      faults = createFaultInjector(faultOptions);
    },
    clearRequests() {
      requests = [];
    },
    close() {
      closing ??= new Promise<void>((resolve, reject) => {
        for (const timer of pendingTimers) clearTimeout(timer);
        pendingTimers.clear();
        server.close((error) => (error ? reject(error) : resolve()));
        // Keep-alive and pending slow replies would otherwise hold close() open.
        server.closeAllConnections();
      });
      return closing;
    },
  };
}

/** Writes a rendered reply; a `dropAfter` reply loses its connection mid-body. */
function send(res: ServerResponse, rendered: RenderedReply): void {
  if (res.destroyed) return;
  const body = Buffer.from(rendered.body, 'utf8');
  res.writeHead(rendered.status, { ...rendered.headers, 'content-length': body.length });
  if (rendered.dropAfter === undefined) {
    res.end(body);
    return;
  }
  const cut = Buffer.from(rendered.body.slice(0, rendered.dropAfter), 'utf8');
  res.write(cut, () => res.destroy());
}
