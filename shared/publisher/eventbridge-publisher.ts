/**
 * The `EventPublisher` adapter for Amazon EventBridge: catalog events in, one
 * PutEvents entry per event, per-entry results out.
 *
 *   validate all ──▶ size each ──▶ refuse the oversized ──▶ batch (≤ 10, ≤ maxPayloadBytes)
 *        │                                                       │
 *   throws before                                     per batch, in input order:
 *   anything is sent                        send ──▶ keep what failed retryably ──▶ backoff ──▶ send…
 *
 * Only the entries that failed are sent again, so an entry the bus accepted is
 * never sent twice by this publisher (the outbox may resend it on a later run,
 * with the same eventId: consumers dedupe on it).
 */

import type { PutEventsRequestEntry } from '@aws-sdk/client-eventbridge';
import { type EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import * as z from 'zod';
import {
  type CatalogEvent,
  EVENT_SOURCE,
  eventTime,
  parseCatalogEvent,
} from '../catalog/events.ts';
import type { EventPublisher, PublishResult } from '../ports.ts';
import { entrySize, PUT_EVENTS_MAX_ENTRIES, planBatches } from './batching.ts';
import { BUS_NOT_FOUND, classifyCallError, RETRYABLE_ENTRY_ERROR_CODES } from './error-codes.ts';
import {
  EventBusNotFoundError,
  InvalidCatalogEventError,
  PublishAccessDeniedError,
  PublisherError,
} from './errors.ts';

/**
 * 256 KiB: the PutEvents payload limit before January 2026, still safe wherever the
 * 1 MB limit has not reached the account or region. Raise `maxPayloadBytes` to
 * 1_048_576 where it has; recipient events are about 1 KB, so it rarely matters.
 */
export const DEFAULT_MAX_PAYLOAD_BYTES = 262_144;

export interface EventBridgePublisherOptions {
  readonly client: EventBridgeClient;
  /** Name or ARN of the bus (EVENT_BUS_NAME). */
  readonly eventBusName: string;
  /** `source` of every event (the construct's `eventSource`, EVENT_SOURCE). Default `mailpartner.status-sync`. */
  readonly source?: string;
  /** Attempts per entry, the first included. Default 5. */
  readonly maxAttempts?: number;
  /** Backoff before the first retry; doubles each retry, with jitter. Default 100. */
  readonly minBackoffMs?: number;
  /** Ceiling of one backoff. Default 2,000. */
  readonly maxBackoffMs?: number;
  /** Limit of one call's entries, counted as AWS does. Default `DEFAULT_MAX_PAYLOAD_BYTES`. */
  readonly maxPayloadBytes?: number;
  /** Injected for tests; default `setTimeout`. */
  readonly sleep?: (ms: number) => Promise<void>;
  /** Source of jitter in [0, 1); default `Math.random`. */
  readonly random?: () => number;
}

interface Prepared {
  readonly index: number;
  readonly eventId: string;
  readonly entry: PutEventsRequestEntry;
  readonly size: number;
}

interface Failure {
  readonly errorCode: string;
  readonly errorMessage: string;
}

type Outcome = { readonly accepted: true } | ({ readonly accepted: false } & Failure);

const ACCEPTED: Outcome = { accepted: true };

/** Publishes catalog events to one EventBridge bus. */
export class EventBridgePublisher implements EventPublisher {
  readonly #client: EventBridgeClient;
  readonly #eventBusName: string;
  readonly #source: string;
  readonly #maxAttempts: number;
  readonly #minBackoffMs: number;
  readonly #maxBackoffMs: number;
  readonly #maxPayloadBytes: number;
  readonly #sleep: (ms: number) => Promise<void>;
  readonly #random: () => number;

  constructor(options: EventBridgePublisherOptions) {
    this.#client = options.client;
    this.#eventBusName = options.eventBusName;
    this.#source = options.source ?? EVENT_SOURCE;
    this.#maxAttempts = options.maxAttempts ?? 5;
    this.#minBackoffMs = options.minBackoffMs ?? 100;
    this.#maxBackoffMs = options.maxBackoffMs ?? 2_000;
    this.#maxPayloadBytes = options.maxPayloadBytes ?? DEFAULT_MAX_PAYLOAD_BYTES;
    this.#sleep = options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
    this.#random = options.random ?? Math.random;
    if (!Number.isInteger(this.#maxAttempts) || this.#maxAttempts < 1) {
      throw new RangeError('maxAttempts must be an integer ≥ 1');
    }
    if (!(this.#maxPayloadBytes > 0)) throw new RangeError('maxPayloadBytes must be > 0');
  }

  /**
   * Puts the events on the bus. Resolves with exactly the eventIds the bus
   * accepted and, for the others, the last error code; throws only when no retry
   * can help: `InvalidCatalogEventError` (before sending anything),
   * `EventBusNotFoundError`, `PublishAccessDeniedError`, or an SDK error it does
   * not understand.
   */
  async publish(events: readonly CatalogEvent[]): Promise<PublishResult> {
    const prepared = this.#prepare(events);
    const outcomes = new Map<number, Outcome>();

    const sendable: Prepared[] = [];
    for (const item of prepared) {
      if (item.size > this.#maxPayloadBytes) {
        outcomes.set(item.index, {
          accepted: false,
          errorCode: 'EntryTooLarge',
          errorMessage: `Entry is ${item.size} bytes, over the PutEvents limit of ${this.#maxPayloadBytes} bytes (maxPayloadBytes); not sent.`,
        });
      } else {
        sendable.push(item);
      }
    }
    const batches = planBatches(
      sendable.map((item) => item.size),
      { maxEntries: PUT_EVENTS_MAX_ENTRIES, maxPayloadBytes: this.#maxPayloadBytes },
    ).map((indexes) => indexes.map((i) => sendable[i] as Prepared));

    // Once a whole call has failed maxAttempts times (throttling, outage), more
    // calls would only add load to an account-wide limit: report the rest unsent.
    let outage: Failure | null = null;
    for (const batch of batches) {
      if (outage) {
        const errorMessage = `Not sent: an earlier PutEvents call still failed after ${this.#maxAttempts} attempts (${outage.errorMessage}).`;
        for (const item of batch) {
          outcomes.set(item.index, { accepted: false, errorCode: outage.errorCode, errorMessage });
        }
        continue;
      }
      outage = await this.#sendBatch(batch, outcomes);
    }

    const accepted: string[] = [];
    const failed: PublishResult['failed'][number][] = [];
    for (const item of prepared) {
      const outcome = outcomes.get(item.index);
      if (outcome?.accepted) accepted.push(item.eventId);
      else if (outcome) {
        failed.push({
          eventId: item.eventId,
          errorCode: outcome.errorCode,
          errorMessage: outcome.errorMessage,
        });
      }
    }
    return { accepted, failed };
  }

  /** Validates every event first, so an invalid one stops the whole publish unsent. */
  #prepare(events: readonly CatalogEvent[]): Prepared[] {
    const prepared: Prepared[] = [];
    const invalid: { label: string; problem: string; error: unknown }[] = [];
    events.forEach((event, index) => {
      let parsed: CatalogEvent;
      try {
        parsed = parseCatalogEvent(event.detailType, event.detail);
      } catch (error) {
        const id = (event.detail as { eventId?: unknown } | undefined)?.eventId;
        const label = typeof id === 'string' ? id : `#${index}`;
        invalid.push({ label, problem: describeInvalid(error), error });
        return;
      }
      const entry: PutEventsRequestEntry = {
        Source: this.#source,
        DetailType: parsed.detailType,
        Detail: JSON.stringify(parsed.detail),
        EventBusName: this.#eventBusName,
        // The status time, not the publish time: consumers order and window on it.
        Time: new Date(eventTime(parsed)),
      };
      prepared.push({ index, eventId: parsed.detail.eventId, entry, size: entrySize(entry) });
    });
    if (invalid.length > 0) {
      const list = invalid.map((i) => `${i.label} (${i.problem})`).join('; ');
      throw new InvalidCatalogEventError(
        invalid.map((i) => i.label),
        `Refusing to publish: ${invalid.length} of ${events.length} event(s) do not match the event catalog, so nothing was sent. Fix the code that built them: ${list}`,
        { cause: invalid[0]?.error },
      );
    }
    return prepared;
  }

  /**
   * Sends one batch, retrying what failed retryably. Records an outcome for each
   * entry; returns the failure when the last attempt failed as a whole call.
   */
  async #sendBatch(
    batch: readonly Prepared[],
    outcomes: Map<number, Outcome>,
  ): Promise<Failure | null> {
    let pending = batch;
    for (let attempt = 1; ; attempt++) {
      let retry: Prepared[] = [];
      let callFailure: Failure | null = null;
      try {
        const output = await this.#client.send(
          new PutEventsCommand({ Entries: pending.map((item) => item.entry) }),
        );
        const results = output.Entries ?? [];
        if (results.length !== pending.length) {
          throw new PublisherError(
            `PutEvents returned ${results.length} results for ${pending.length} entries; cannot tell which were accepted.`,
          );
        }
        pending.forEach((item, i) => {
          const result = results[i] ?? {};
          if (result.EventId && !result.ErrorCode) {
            outcomes.set(item.index, ACCEPTED);
            return;
          }
          const errorCode = result.ErrorCode ?? 'UnknownError';
          // Every entry names the same bus: one missing is all missing.
          if (errorCode === BUS_NOT_FOUND) throw new EventBusNotFoundError(this.#eventBusName);
          outcomes.set(item.index, {
            accepted: false,
            errorCode,
            errorMessage: result.ErrorMessage ?? '',
          });
          if (RETRYABLE_ENTRY_ERROR_CODES.has(errorCode)) retry.push(item);
        });
      } catch (error) {
        if (error instanceof PublisherError) throw error;
        const kind = classifyCallError(error);
        if (kind === 'bus-not-found') {
          throw new EventBusNotFoundError(this.#eventBusName, { cause: error });
        }
        if (kind === 'access-denied') {
          const code = (error as Error).name;
          throw new PublishAccessDeniedError(this.#eventBusName, code, { cause: error });
        }
        if (kind === 'unknown') throw error;
        const { name, message } = error as Error;
        callFailure = { errorCode: name, errorMessage: message };
        for (const item of pending) outcomes.set(item.index, { accepted: false, ...callFailure });
        retry = [...pending];
      }
      if (retry.length === 0) return null;
      if (attempt >= this.#maxAttempts) return callFailure;
      await this.#sleep(this.#backoff(attempt));
      pending = retry;
    }
  }

  /** "Equal jitter": half of the exponential step fixed, half random, so waits still grow. */
  #backoff(retry: number): number {
    const step = Math.min(this.#maxBackoffMs, this.#minBackoffMs * 2 ** (retry - 1));
    return Math.round(step / 2 + (this.#random() * step) / 2);
  }
}

/** Field paths and zod's messages only: the values may be personal data. */
function describeInvalid(error: unknown): string {
  if (error instanceof z.ZodError) {
    return error.issues
      .map((issue) => `${['detail', ...issue.path.map(String)].join('.')}: ${issue.message}`)
      .join(', ');
  }
  return error instanceof Error ? error.message : String(error);
}
