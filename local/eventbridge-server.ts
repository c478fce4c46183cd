/**
 * A local EventBridge endpoint: just `PutEvents`, over AWS JSON 1.1, close enough
 * to the service that the real `EventBridgeClient` talks to it unchanged (set its
 * `endpoint`, or `AWS_ENDPOINT_URL_EVENTBRIDGE`, to `url`).
 *
 * What it does like the service:
 * - `POST /` with `X-Amz-Target: AWSEvents.PutEvents` and
 *   `Content-Type: application/x-amz-json-1.1`; any other target is a 400
 *   `UnknownOperationException`; errors are `{"__type", "message"}` bodies.
 * - 1 to 10 entries, else a whole-call 400 `ValidationException`; the entries'
 *   total size (as AWS computes it) over `maxPayloadBytes` is one too.
 * - Per-entry validation answered in `Entries` with `FailedEntryCount`, in request
 *   order: a missing Source/DetailType/Detail is `InvalidArgument`, a Detail that
 *   is not a JSON object is `MalformedDetail`, an `aws.` source is
 *   `NotAuthorizedForSourceException`.
 *
 * Where it is stricter on purpose: with `buses`, a bus that does not exist fails
 * the whole call with `ResourceNotFoundException`. The real service has been seen
 * to accept such events silently (aws/aws-cli#9186), which is exactly the mistake
 * a local run should surface. The `default` bus always exists. Signatures are not
 * checked, only that the request is signed at all.
 *
 * Runtime code for `npm start` and the integration tests: no test framework here.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import {
  type EntryResult,
  type EntrySelector,
  readEntry,
  seededRandom,
  selected,
  selectorSeed,
} from './eventbridge-entries.ts';
import { listenOnLoopback } from './listen.ts';

/** An entry the bus accepted, as a consumer would see it. */
export interface ReceivedEvent {
  readonly eventId: string;
  readonly source: string;
  readonly detailType: string;
  /** Detail, parsed. */
  readonly detail: Record<string, unknown>;
  /** ISO 8601: the entry's `Time`, or the time it was received when it had none. */
  readonly time: string;
  readonly eventBusName: string;
  readonly resources: readonly string[];
  /** ISO 8601. */
  readonly receivedAt: string;
  /** Which PutEvents request (1-based, see `calls`) carried it. */
  readonly call: number;
}

/**
 * Fault injection for the next `times` PutEvents calls (default 1; `Infinity`
 * for "until closed"). Plans queue up in the order they were given.
 */
export type FailPlan =
  | {
      /** Per-entry failures: indexes in the call, a seeded random share, or a predicate. */
      readonly entries: EntrySelector;
      /** Default `ThrottlingException`. */
      readonly errorCode?: string;
      readonly errorMessage?: string;
      readonly times?: number;
    }
  | {
      /** A whole-call error, e.g. `{ status: 400, type: 'ThrottlingException' }`. */
      readonly call: { readonly status: number; readonly type: string; readonly message?: string };
      readonly times?: number;
    };

export interface LocalEventBridge {
  readonly url: string;
  /** Accepted entries, in the order they were accepted. */
  readonly events: readonly ReceivedEvent[];
  /** PutEvents requests received, failed ones included. */
  readonly calls: number;
  /** Calls `listener` for each accepted entry; returns the unsubscribe function. */
  onEvent(listener: (event: ReceivedEvent) => void): () => void;
  failNext(plan: FailPlan): void;
  close(): Promise<void>;
}

export interface LocalEventBridgeOptions {
  /** Default 0: any free port. Always bound to 127.0.0.1. */
  readonly port?: number;
  /** Existing buses; when given, any other bus (except `default`) is ResourceNotFound. */
  readonly buses?: readonly string[];
  /** Limit on the entries' total size per call. Default 1,048,576 (1 MB, AWS since 2026). */
  readonly maxPayloadBytes?: number;
}

const JSON_11 = 'application/x-amz-json-1.1';
const TARGET_PREFIX = 'AWSEvents.';
const MAX_ENTRIES = 10;
/** Far above any valid request; stops a runaway client from filling memory. */
const MAX_BODY_BYTES = 16 * 1024 * 1024;

class AwsError extends Error {
  constructor(
    readonly status: number,
    readonly type: string,
    message: string,
  ) {
    super(message);
  }
}

interface ActivePlan {
  plan: FailPlan;
  remaining: number;
  random: () => number;
}

/** Starts the endpoint on 127.0.0.1; resolves once it listens. */
export async function startLocalEventBridge(
  options: LocalEventBridgeOptions = {},
): Promise<LocalEventBridge> {
  const buses = options.buses ? new Set(['default', ...options.buses]) : null;
  const maxPayloadBytes = options.maxPayloadBytes ?? 1_048_576;
  const events: ReceivedEvent[] = [];
  const listeners = new Set<(event: ReceivedEvent) => void>();
  const plans: ActivePlan[] = [];
  let calls = 0;

  function nextPlan(): ActivePlan | null {
    const active = plans[0];
    if (!active) return null;
    active.remaining -= 1;
    if (active.remaining <= 0) plans.shift();
    return active;
  }

  function putEvents(body: unknown): { FailedEntryCount: number; Entries: EntryResult[] } {
    calls += 1;
    const call = calls;
    const entries = (body as { Entries?: unknown } | null)?.Entries;
    if (!Array.isArray(entries) || entries.length === 0 || entries.length > MAX_ENTRIES) {
      const count = Array.isArray(entries) ? entries.length : 0;
      throw new AwsError(
        400,
        'ValidationException',
        `1 validation error detected: Value with length ${count} at 'entries' failed to satisfy constraint: Member must have length between 1 and ${MAX_ENTRIES}`,
      );
    }
    const requested = entries.map((raw) => readEntry(raw));
    const total = requested.reduce((sum, entry) => sum + entry.size, 0);
    if (total > maxPayloadBytes) {
      throw new AwsError(
        400,
        'ValidationException',
        `Total size of the entries in the request is over the limit (${total} > ${maxPayloadBytes} bytes).`,
      );
    }
    for (const entry of requested) {
      if (buses && !buses.has(entry.view.eventBusName)) {
        throw new AwsError(
          400,
          'ResourceNotFoundException',
          `Event bus ${entry.view.eventBusName} does not exist.`,
        );
      }
    }

    const active = nextPlan();
    const plan = active?.plan;
    if (plan && 'call' in plan) {
      throw new AwsError(plan.call.status, plan.call.type, plan.call.message ?? plan.call.type);
    }

    const receivedAt = new Date().toISOString();
    const results = requested.map((entry, index): EntryResult => {
      if (entry.error) return entry.error;
      if (active && plan && selected(plan.entries, entry.view, index, active.random)) {
        const code = plan.errorCode ?? 'ThrottlingException';
        return { ErrorCode: code, ErrorMessage: plan.errorMessage ?? `Injected ${code}` };
      }
      const event: ReceivedEvent = {
        eventId: randomUUID(),
        source: entry.view.source as string,
        detailType: entry.view.detailType as string,
        detail: entry.view.detail as Record<string, unknown>,
        time: entry.time ?? receivedAt,
        eventBusName: entry.view.eventBusName,
        resources: entry.resources,
        receivedAt,
        call,
      };
      events.push(event);
      for (const listener of listeners) listener(event);
      return { EventId: event.eventId };
    });
    const failed = results.filter((r) => 'ErrorCode' in r).length;
    return { FailedEntryCount: failed, Entries: results };
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    try {
      const body = await readBody(req);
      const target = header(req, 'x-amz-target');
      const contentType = header(req, 'content-type') ?? '';
      if (req.method !== 'POST' || (req.url ?? '/').split('?')[0] !== '/') {
        throw new AwsError(404, 'UnknownOperationException', 'Only POST / is served.');
      }
      if (!contentType.startsWith(JSON_11) || !target?.startsWith(TARGET_PREFIX)) {
        throw new AwsError(400, 'UnknownOperationException', 'Unknown or missing X-Amz-Target.');
      }
      const operation = target.slice(TARGET_PREFIX.length);
      if (operation !== 'PutEvents') {
        throw new AwsError(
          400,
          'UnknownOperationException',
          `Operation ${operation} is not supported by the local EventBridge (PutEvents only).`,
        );
      }
      if (!header(req, 'authorization')) {
        throw new AwsError(
          400,
          'MissingAuthenticationTokenException',
          'Missing Authentication Token',
        );
      }
      let parsed: unknown;
      try {
        parsed = JSON.parse(body.length > 0 ? body.toString('utf8') : '{}');
      } catch {
        throw new AwsError(400, 'SerializationException', 'Request body is not valid JSON.');
      }
      send(res, 200, putEvents(parsed));
    } catch (error) {
      if (error instanceof AwsError) {
        send(res, error.status, { __type: error.type, message: error.message }, error.type);
      } else {
        send(res, 500, { __type: 'InternalException', message: 'Local EventBridge failed.' });
      }
    }
  }

  const server = createServer((req, res) => void handle(req, res));
  const port = await listenOnLoopback(server, options.port ?? 0);

  return {
    url: `http://127.0.0.1:${port}`,
    events,
    get calls() {
      return calls;
    },
    onEvent(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    failNext(plan) {
      const seed = 'entries' in plan ? selectorSeed(plan.entries) : 0;
      plans.push({ plan, remaining: plan.times ?? 1, random: seededRandom(seed) });
    },
    close() {
      return new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      });
    },
  };
}

function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let length = 0;
  for await (const chunk of req) {
    length += (chunk as Buffer).length;
    if (length > MAX_BODY_BYTES) throw new AwsError(413, 'RequestEntityTooLarge', 'Too large.');
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

function send(res: ServerResponse, status: number, body: unknown, errorType?: string): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': JSON_11,
    'content-length': Buffer.byteLength(text),
    'x-amzn-requestid': randomUUID(),
    ...(errorType ? { 'x-amzn-errortype': errorType } : {}),
  });
  res.end(text);
}
