/**
 * Fault plans for the reliability tests: reproducible randomness, fault
 * counters, chaos hooks for the in-process DynamoDB and EventBridge fakes, and
 * crash injection between any two steps of a sync.
 *
 * Every random decision is keyed: the n-th draw of a stream (say "poller 1,
 * PutItemCommand on MSG#m-2") depends only on the seed, the stream and n, not on
 * how the event loop interleaved other messages. A seed therefore replays the
 * same faults at the same calls of each message's sync.
 */
import {
  conditionalCheckFailed,
  type DynamoCall,
  type DynamoChaos,
  lostResponseError,
  throttlingError,
} from './reliability-dynamodb-fake.ts';
import {
  busInternalError,
  busThrottlingError,
  type EventBusChaos,
} from './reliability-eventbridge-fake.ts';

/** Deterministic draws in [0, 1), one independent sequence per stream name. */
export class KeyedRandom {
  readonly #counters = new Map<string, number>();

  constructor(readonly seed: number) {}

  next(stream: string): number {
    const n = this.#counters.get(stream) ?? 0;
    this.#counters.set(stream, n + 1);
    return unitHash(this.seed, stream, n);
  }

  chance(stream: string, probability: number): boolean {
    return probability > 0 && this.next(stream) < probability;
  }

  /** An integer in [min, max]. */
  int(stream: string, min: number, max: number): number {
    return min + Math.floor(this.next(stream) * (max - min + 1));
  }
}

/** FNV-1a over the stream name, mixed with seed and counter (murmur3 finaliser). */
function unitHash(seed: number, stream: string, n: number): number {
  let h = (2_166_136_261 ^ seed) >>> 0;
  for (let i = 0; i < stream.length; i++) {
    h ^= stream.charCodeAt(i);
    h = Math.imul(h, 16_777_619);
  }
  h ^= n;
  h = Math.imul(h ^ (h >>> 16), 0x85eb_ca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2_ae35);
  h ^= h >>> 16;
  return (h >>> 0) / 4_294_967_296;
}

/** Counts of injected faults (and other happenings) by kind. */
export class FaultCounter {
  readonly counts = new Map<string, number>();

  add(kind: string, n = 1): void {
    if (n !== 0) this.counts.set(kind, (this.counts.get(kind) ?? 0) + n);
  }

  merge(other: FaultCounter): void {
    for (const [kind, n] of other.counts) this.add(kind, n);
  }

  get(kind: string): number {
    return this.counts.get(kind) ?? 0;
  }

  total(prefix = ''): number {
    let sum = 0;
    for (const [kind, n] of this.counts) if (kind.startsWith(prefix)) sum += n;
    return sum;
  }

  /** Sorted, for printing. */
  toObject(): Record<string, number> {
    return Object.fromEntries([...this.counts].sort(([a], [b]) => a.localeCompare(b)));
  }
}

/** Probabilities, per call (or per entry / batch item), of each injected AWS fault. */
export interface AwsChaosRates {
  /** `ProvisionedThroughputExceededException` before the call (nothing applied). */
  readonly dynamoThrottle: number;
  /** The call applied, the response was lost (`TimeoutError`). */
  readonly dynamoLostResponse: number;
  /**
   * A conditional write applied, its response was lost and the SDK's retry failed
   * its own condition: the caller sees `ConditionalCheckFailedException` for a
   * write that happened.
   */
  readonly dynamoRetriedCondition: number;
  /** Each BatchWriteItem request handed back in `UnprocessedItems`. */
  readonly dynamoUnprocessed: number;
  /** A Query page stops after 1 to 3 items (the 1 MB cap reached early). */
  readonly dynamoShortPage: number;
  /** PutEvents throttled as a whole (`ThrottlingException`). */
  readonly busThrottle: number;
  /** PutEvents failed as a whole with `InternalException` (HTTP 500). */
  readonly busInternal: number;
  /** Each entry refused with a retryable code (`ThrottlingException` / `InternalFailure`). */
  readonly busEntry: number;
  /** Entries accepted, response lost (`TimeoutError`). */
  readonly busLostResponse: number;
}

export const NO_CHAOS: AwsChaosRates = {
  dynamoThrottle: 0,
  dynamoLostResponse: 0,
  dynamoRetriedCondition: 0,
  dynamoUnprocessed: 0,
  dynamoShortPage: 0,
  busThrottle: 0,
  busInternal: 0,
  busEntry: 0,
  busLostResponse: 0,
};

/** DynamoDB faults for one client (`label` names the poller, so each has its own streams). */
export function dynamoChaos(
  random: KeyedRandom,
  label: string,
  rates: AwsChaosRates,
  faults: FaultCounter,
): DynamoChaos {
  const stream = (call: DynamoCall, what: string) =>
    `${label}|dynamo|${what}|${call.command}|${call.partition}`;
  return {
    before(call) {
      if (!random.chance(stream(call, 'throttle'), rates.dynamoThrottle)) return undefined;
      faults.add('dynamodb: throttled');
      return throttlingError();
    },
    after(call) {
      if (!call.writes) return undefined;
      if (call.conditional && random.chance(stream(call, 'ccf'), rates.dynamoRetriedCondition)) {
        faults.add('dynamodb: applied, retry failed its condition');
        return conditionalCheckFailed();
      }
      if (!random.chance(stream(call, 'lost'), rates.dynamoLostResponse)) return undefined;
      faults.add('dynamodb: applied, response lost');
      return lostResponseError();
    },
    unprocessed(call, count) {
      const left: number[] = [];
      for (let i = 0; i < count; i++) {
        if (random.chance(stream(call, 'unprocessed'), rates.dynamoUnprocessed)) left.push(i);
      }
      faults.add('dynamodb: unprocessed batch items', left.length);
      return left;
    },
    pageSize(call) {
      if (!random.chance(stream(call, 'page'), rates.dynamoShortPage)) return undefined;
      faults.add('dynamodb: short query page');
      return random.int(stream(call, 'page-size'), 1, 3);
    },
  };
}

/** EventBridge faults for one client. */
export function busChaos(
  random: KeyedRandom,
  label: string,
  rates: AwsChaosRates,
  faults: FaultCounter,
): EventBusChaos {
  const stream = (entries: readonly string[], what: string) =>
    `${label}|bus|${what}|${entries[0] ?? ''}`;
  return {
    before(call) {
      if (random.chance(stream(call.eventIds, 'throttle'), rates.busThrottle)) {
        faults.add('eventbridge: call throttled');
        return busThrottlingError();
      }
      if (random.chance(stream(call.eventIds, 'internal'), rates.busInternal)) {
        faults.add('eventbridge: call failed (500)');
        return busInternalError();
      }
      return undefined;
    },
    entry(call, index) {
      if (!random.chance(`${label}|bus|entry|${call.eventIds[index]}`, rates.busEntry)) {
        return undefined;
      }
      const throttled = random.next(`${label}|bus|entry-code|${call.eventIds[index]}`) < 0.5;
      faults.add(`eventbridge: entry ${throttled ? 'ThrottlingException' : 'InternalFailure'}`);
      return throttled
        ? { code: 'ThrottlingException', message: 'Rate exceeded (injected)' }
        : { code: 'InternalFailure', message: 'Internal failure (injected)' };
    },
    after(call) {
      if (!random.chance(stream(call.eventIds, 'lost'), rates.busLostResponse)) return undefined;
      faults.add('eventbridge: accepted, response lost');
      return lostResponseError();
    },
  };
}

/** The Lambda "died" here. */
export class Crash extends Error {
  override readonly name = 'Crash';
}

/**
 * Whether a message's sync dies at this call: `before` it, `after` it, or null
 * (it lives). Asked once per collaborator call, with the method name and how
 * many times this message called it in this cycle (1-based).
 */
export type CrashDecision = (
  messageId: string,
  method: string,
  occurrence: number,
) => 'before' | 'after' | null;

/** Key of cycle-level calls (listDue), which name no message. */
export const CYCLE = '*';

/**
 * Crash injection for one cycle of one poller: wraps the store, publisher and
 * provider so that a message's sync throws `Crash` before or after a call the
 * decision picks, and every later call of that message in this cycle throws
 * too (the process is dead for it). Like the Proxy in the integration test, but
 * keyed by message so it stays deterministic when messages run concurrently. (A
 * real crash kills every sync in flight at its own point; each such point is
 * drawn on its own here, in some cycle.)
 */
export class CrashPlan {
  readonly #decide: CrashDecision;
  readonly #calls = new Map<string, number>();
  readonly #dead = new Set<string>();
  readonly #faults: FaultCounter;

  readonly #trace: ((line: string) => void) | undefined;

  /** `trace`, when given, hears every call and how it ended (for debugging a counterexample). */
  constructor(decide: CrashDecision, faults: FaultCounter, trace?: (line: string) => void) {
    this.#decide = decide;
    this.#faults = faults;
    this.#trace = trace;
  }

  wrap<T extends object>(target: T, layer: string): T {
    return new Proxy(target, {
      get: (obj, prop, receiver) => {
        const value = Reflect.get(obj, prop, receiver);
        if (typeof value !== 'function') return value;
        // Private fields need the real receiver, not the proxy.
        const method = value.bind(obj) as (...args: unknown[]) => unknown;
        const name = String(prop);
        return async (...args: unknown[]) => {
          const messageId = messageOf(args);
          if (this.#dead.has(messageId)) {
            throw new Crash(`${messageId} is dead (${layer}.${name})`);
          }
          const counter = `${messageId}\u0000${name}`;
          const n = (this.#calls.get(counter) ?? 0) + 1;
          this.#calls.set(counter, n);
          const when = this.#decide(messageId, name, n);
          const call = `${messageId} ${layer}.${name}#${n}`;
          if (when === 'before') {
            this.#trace?.(`${call}: crash before`);
            this.#die(messageId, `before ${layer}.${name}`);
          }
          let result: unknown;
          try {
            result = await method(...args);
          } catch (error) {
            this.#trace?.(`${call}: ${(error as Error).name}: ${(error as Error).message}`);
            throw error;
          }
          this.#trace?.(`${call}: ok${when === 'after' ? ', crash after' : ''}`);
          if (when === 'after') this.#die(messageId, `after ${layer}.${name}`);
          return result;
        };
      },
    });
  }

  #die(messageId: string, where: string): never {
    this.#dead.add(messageId);
    this.#faults.add(`crash ${where}`);
    throw new Crash(`crash ${where} (${messageId})`);
  }
}

/** The message a collaborator call is about, from its first argument. */
function messageOf(args: readonly unknown[]): string {
  const [first] = args;
  if (typeof first === 'string') return first;
  if (Array.isArray(first)) {
    const id = (first[0] as { detail?: { messageId?: unknown } } | undefined)?.detail?.messageId;
    return typeof id === 'string' ? id : CYCLE;
  }
  const loaded = first as { message?: { messageId?: unknown } } | null | undefined;
  return typeof loaded?.message?.messageId === 'string' ? loaded.message.messageId : CYCLE;
}
