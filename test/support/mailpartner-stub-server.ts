/**
 * A real HTTP server on 127.0.0.1 that plays MailPartner from a script, so the
 * client is tested through real `fetch`, sockets and timeouts, with no mocks.
 */
import { createServer, type IncomingHttpHeaders, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

/** One scripted answer. */
export interface StubReply {
  /** Default 200. */
  readonly status?: number;
  /** Objects are sent as JSON; strings as they are. Default ''. */
  readonly body?: string | object;
  /** Default `application/json` for objects, none for strings. */
  readonly headers?: Readonly<Record<string, string>>;
  /** Wait this long before answering (to outlast the client's timeout). */
  readonly delayMs?: number;
  /** Send headers and this many bytes of the body, then drop the connection. */
  readonly hangUpAfterBytes?: number;
}

export interface RecordedRequest {
  readonly method: string;
  /** Path and query, as received. */
  readonly url: string;
  readonly headers: IncomingHttpHeaders;
}

export interface MailPartnerStub {
  /** `http://127.0.0.1:<port>/v1`, to pass as the client's baseUrl. */
  readonly baseUrl: string;
  readonly requests: RecordedRequest[];
  /**
   * Sets the answers to the next requests, in order; once they run out the last
   * one is repeated (so one reply means "always answer this").
   */
  script(...replies: StubReply[]): void;
  close(): Promise<void>;
}

/** Starts a stub on an ephemeral port. Close it in `afterEach`/`afterAll`. */
export async function startMailPartnerStub(): Promise<MailPartnerStub> {
  const requests: RecordedRequest[] = [];
  let queue: StubReply[] = [
    { status: 200, body: { success: true, code: 200, StatutResponseList: [] } },
  ];
  const timers = new Set<NodeJS.Timeout>();
  const sockets = new Set<Socket>();

  const server = createServer((request, response) => {
    requests.push({
      method: request.method ?? '',
      url: request.url ?? '',
      headers: request.headers,
    });
    const reply = (queue.length > 1 ? queue.shift() : queue[0]) ?? {};
    if (reply.delayMs === undefined) {
      answer(response, reply);
      return;
    }
    const timer = setTimeout(() => {
      timers.delete(timer);
      answer(response, reply);
    }, reply.delayMs);
    timers.add(timer);
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    baseUrl: `http://127.0.0.1:${port}/v1`,
    requests,
    script(...replies) {
      if (replies.length === 0) throw new Error('script() needs at least one reply');
      queue = [...replies];
    },
    async close() {
      for (const timer of timers) clearTimeout(timer);
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function answer(response: ServerResponse, reply: StubReply): void {
  if (response.destroyed) return;
  const isObject = typeof reply.body === 'object';
  const body = Buffer.from(isObject ? JSON.stringify(reply.body) : (reply.body ?? ''), 'utf8');
  const headers: Record<string, string> = {
    ...(isObject ? { 'content-type': 'application/json' } : {}),
    ...reply.headers,
    'content-length': String(body.length),
  };
  response.writeHead(reply.status ?? 200, headers);
  if (reply.hangUpAfterBytes === undefined) {
    response.end(body);
    return;
  }
  response.write(body.subarray(0, reply.hangUpAfterBytes), () => response.socket?.destroy());
}

/** A port on 127.0.0.1 that nothing listens on (for connection-refused tests). */
export async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
