/**
 * An in-process EventBridge bus for the fault-injection property test: the real
 * `EventBridgeClient` with one middleware that answers `PutEvents` from memory,
 * so the production `EventBridgePublisher` runs unchanged.
 *
 * PutEvents as the API Reference documents it: 1 to 10 entries and at most
 * `maxPayloadBytes` in total (entry size counted as AWS counts it), else a
 * whole-call `ValidationException`; per entry, in request order, either an
 * `EventId` or an `ErrorCode`/`ErrorMessage` (`InvalidArgument` for a missing
 * field, `MalformedDetail` for a Detail that is not a JSON object,
 * `NotAuthorizedForSourceException` for an `aws.` source), with
 * `FailedEntryCount`. Faults come from an `EventBusChaos` per client: whole-call
 * throttling or internal errors, per-entry `ThrottlingException` /
 * `InternalFailure`, and a lost response (accepted, but the caller sees an error).
 */
import {
  EventBridgeClient,
  InternalException,
  type PutEventsRequestEntry,
  ThrottlingException,
} from '@aws-sdk/client-eventbridge';
import { entrySize } from '../../shared/publisher/batching.ts';

/** An entry the bus accepted, as a consumer sees it. */
export interface BusEvent {
  readonly eventId: string;
  readonly source: string;
  readonly detailType: string;
  readonly detail: Record<string, unknown>;
  /** ISO 8601 `Time` of the entry, or when it was accepted. */
  readonly time: string;
  readonly eventBusName: string;
  /** 1-based PutEvents call that carried it. */
  readonly call: number;
}

/** One PutEvents call as the chaos hooks see it. */
export interface PutEventsCall {
  readonly entries: readonly PutEventsRequestEntry[];
  /** eventId (from Detail) of each entry, '' when it has none. */
  readonly eventIds: readonly string[];
}

export interface EventBusChaos {
  /** An error to throw instead of the call (nothing accepted), e.g. throttling. */
  before?(call: PutEventsCall): Error | undefined;
  /** A per-entry failure instead of accepting entry `index`. */
  entry?(call: PutEventsCall, index: number): { code: string; message: string } | undefined;
  /** An error to throw after the entries were accepted: the response was lost. */
  after?(call: PutEventsCall): Error | undefined;
}

const MAX_ENTRIES = 10;

function metadata(httpStatusCode: number) {
  return { httpStatusCode, requestId: 'fake', attempts: 1, totalRetryDelay: 0 };
}

export function busThrottlingError(): Error {
  return new ThrottlingException({ $metadata: metadata(400), message: 'Rate exceeded' });
}

export function busInternalError(): Error {
  return new InternalException({
    $metadata: metadata(500),
    message: 'An internal error occurred (injected)',
  });
}

function validationError(message: string): Error {
  const error = new Error(message);
  error.name = 'ValidationException';
  Object.assign(error, { $fault: 'client', $metadata: metadata(400) });
  return error;
}

/** One account's buses, in memory. */
export class FakeEventBus {
  readonly #events: BusEvent[] = [];
  readonly #buses: ReadonlySet<string>;
  readonly #maxPayloadBytes: number;
  #calls = 0;

  constructor(options: { buses?: readonly string[]; maxPayloadBytes?: number } = {}) {
    this.#buses = new Set(['default', ...(options.buses ?? [])]);
    this.#maxPayloadBytes = options.maxPayloadBytes ?? 1_048_576;
  }

  /** Accepted entries, in acceptance order (the same event may be there twice: at least once). */
  get events(): readonly BusEvent[] {
    return this.#events;
  }

  get calls(): number {
    return this.#calls;
  }

  /** A real `EventBridgeClient` whose PutEvents calls this bus, through `chaos`. */
  client(chaos: EventBusChaos = {}): EventBridgeClient {
    const client = new EventBridgeClient({
      region: 'us-east-1',
      credentials: { accessKeyId: 'fake', secretAccessKey: 'fake' },
      maxAttempts: 1,
    });
    client.middlewareStack.add(
      (_next, context) => async (args) => {
        if (context.commandName !== 'PutEventsCommand') {
          throw validationError(`The in-process bus does not implement ${context.commandName}`);
        }
        const input = args.input as { Entries?: PutEventsRequestEntry[] };
        const output = await this.putEvents(input.Entries ?? [], chaos);
        return { output: { ...output, $metadata: metadata(200) }, response: {} };
      },
      { step: 'initialize', name: 'reliabilityFakeEventBus', priority: 'high' },
    );
    return client;
  }

  async putEvents(entries: readonly PutEventsRequestEntry[], chaos: EventBusChaos = {}) {
    await Promise.resolve();
    this.#calls += 1;
    const callNumber = this.#calls;
    if (entries.length === 0 || entries.length > MAX_ENTRIES) {
      throw validationError(
        `1 validation error detected: Value at 'entries' failed to satisfy constraint: Member must have length between 1 and ${MAX_ENTRIES}`,
      );
    }
    const total = entries.reduce((sum, e) => sum + entrySize(e), 0);
    if (total > this.#maxPayloadBytes) {
      throw validationError('Total size of the entries in the request is over the limit.');
    }
    for (const entry of entries) {
      const bus = entry.EventBusName ?? 'default';
      if (!this.#buses.has(bus)) {
        const error = new Error(`Event bus ${bus} does not exist.`);
        error.name = 'ResourceNotFoundException';
        Object.assign(error, { $metadata: metadata(400) });
        throw error;
      }
    }
    const call: PutEventsCall = { entries, eventIds: entries.map(eventIdOf) };
    const early = chaos.before?.(call);
    if (early) throw early;

    const results = entries.map((entry, index) => {
      const problem = validate(entry);
      if (problem) return { ErrorCode: problem.code, ErrorMessage: problem.message };
      const injected = chaos.entry?.(call, index);
      if (injected) return { ErrorCode: injected.code, ErrorMessage: injected.message };
      const event: BusEvent = {
        eventId: `bus-${callNumber}-${index}`,
        source: entry.Source as string,
        detailType: entry.DetailType as string,
        detail: JSON.parse(entry.Detail as string) as Record<string, unknown>,
        time: (entry.Time ?? new Date(0)).toISOString(),
        eventBusName: entry.EventBusName ?? 'default',
        call: callNumber,
      };
      this.#events.push(event);
      return { EventId: event.eventId };
    });
    const late = chaos.after?.(call);
    if (late) throw late;
    return {
      FailedEntryCount: results.filter((r) => 'ErrorCode' in r).length,
      Entries: results,
    };
  }
}

function eventIdOf(entry: PutEventsRequestEntry): string {
  try {
    const id = (JSON.parse(entry.Detail ?? '{}') as { eventId?: unknown }).eventId;
    return typeof id === 'string' ? id : '';
  } catch {
    return '';
  }
}

function validate(entry: PutEventsRequestEntry): { code: string; message: string } | null {
  if (!entry.Source || !entry.DetailType || !entry.Detail) {
    return {
      code: 'InvalidArgument',
      message: 'Parameters Source, DetailType and Detail must be specified.',
    };
  }
  if (entry.Source.startsWith('aws.')) {
    return {
      code: 'NotAuthorizedForSourceException',
      message: `Not authorized for the source ${entry.Source}.`,
    };
  }
  let detail: unknown;
  try {
    detail = JSON.parse(entry.Detail);
  } catch {
    detail = null;
  }
  if (typeof detail !== 'object' || detail === null || Array.isArray(detail)) {
    return { code: 'MalformedDetail', message: 'Detail is malformed.' };
  }
  return null;
}
