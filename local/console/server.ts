/**
 * The console: a read-only page on loopback with the tracked messages, one
 * message's recipients and their timelines, and the live stream of events as
 * the local bus accepts them (server-sent events: no reload, no client library).
 *
 * node:http is enough for four GET routes; the page is one static file with
 * its script inline. Only GET is served, and only to a loopback Host header,
 * so a web page elsewhere cannot read it through DNS rebinding.
 */
import { readFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { ReceivedEvent } from '../eventbridge-server.ts';
import { listenOnLoopback } from '../listen.ts';
import type { ConsoleData } from './data.ts';

/** An event as the page's stream sends it. */
export interface StreamEvent {
  readonly id: string;
  readonly source: string;
  readonly detailType: string;
  readonly time: string;
  readonly detail: Record<string, unknown>;
}

export interface ConsoleServer {
  readonly url: string;
  /** Sends an accepted bus event to every open page. */
  publish(event: ReceivedEvent): void;
  close(): Promise<void>;
}

export interface ConsoleOptions {
  readonly data: ConsoleData;
  /** Default 0: any free port. */
  readonly port?: number;
  /** Events a newly opened page starts with. Default 100. */
  readonly backlog?: number;
}

const PAGE = new URL('./page.html', import.meta.url);
const LOOPBACK_HOST = /^(127\.0\.0\.1|localhost|\[::1\])(:\d+)?$/;

/** Starts the console on 127.0.0.1. */
export async function startConsole(options: ConsoleOptions): Promise<ConsoleServer> {
  const page = await readFile(PAGE);
  const backlogSize = options.backlog ?? 100;
  const recent: StreamEvent[] = [];
  const streams = new Set<ServerResponse>();

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://console.invalid');
    if (!LOOPBACK_HOST.test(req.headers.host ?? '')) return text(res, 403, 'loopback only');
    if (req.method !== 'GET') return text(res, 405, 'read-only: GET only');
    if (url.pathname === '/') {
      res.writeHead(200, {
        'content-type': 'text/html; charset=utf-8',
        'cache-control': 'no-store',
      });
      res.end(page);
      return;
    }
    if (url.pathname === '/api/messages') return json(res, 200, await options.data.messages());
    const one = /^\/api\/messages\/([^/]+)$/.exec(url.pathname);
    if (one?.[1]) {
      const view = await options.data.message(decodeURIComponent(one[1]));
      return view ? json(res, 200, view) : json(res, 404, { error: 'not tracked' });
    }
    if (url.pathname === '/api/events') return openStream(res);
    text(res, 404, 'not found');
  }

  function openStream(res: ServerResponse): void {
    res.writeHead(200, {
      'content-type': 'text/event-stream',
      'cache-control': 'no-store',
      connection: 'keep-alive',
    });
    for (const event of recent) res.write(frame(event));
    streams.add(res);
    res.on('close', () => streams.delete(res));
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (!res.headersSent)
        json(res, 500, { error: error instanceof Error ? error.message : String(error) });
      else res.end();
    });
  });
  const port = await listenOnLoopback(server, options.port ?? 0);

  return {
    url: `http://127.0.0.1:${port}`,
    publish(received) {
      const event: StreamEvent = {
        id: received.eventId,
        source: received.source,
        detailType: received.detailType,
        time: received.time,
        detail: received.detail,
      };
      recent.push(event);
      if (recent.length > backlogSize) recent.shift();
      for (const res of streams) res.write(frame(event));
    },
    close() {
      for (const res of streams) res.end();
      return new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      });
    },
  };
}

function frame(event: StreamEvent): string {
  return `id: ${event.id}\ndata: ${JSON.stringify(event)}\n\n`;
}

function json(res: ServerResponse, status: number, body: unknown): void {
  const payload = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' });
  res.end(payload);
}

function text(res: ServerResponse, status: number, body: string): void {
  res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8' });
  res.end(body);
}
