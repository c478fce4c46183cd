/**
 * The simulated traffic in compact form: every message's recipients and their
 * timeline events as typed arrays, built chunk by chunk from the simulator's
 * timelines (bench/schedule-sim.ts reads it).
 */
import type { SimMessageTimeline } from '../local/simulator/timeline.ts';
import { normalizeStatus } from '../shared/diff/status.ts';

/** Timelines as typed arrays: 100,000 messages fit in a few MB and scan fast. */
export interface CompactTraffic {
  readonly messageCount: number;
  /** Per message: send time (= tracking start), ms epoch. */
  readonly sentAt: Float64Array;
  /** Per message: index of its first recipient; length messageCount + 1. */
  readonly firstRecipient: Uint32Array;
  /** Per recipient: index of its first event; length recipientCount + 1. */
  readonly firstEvent: Uint32Array;
  /** Per event: when it happens, ms epoch. Only events a poll can tell apart are kept. */
  readonly eventAt: Float64Array;
  /** Per event: index in `statuses` of the recipient's status after it. */
  readonly eventStatus: Uint16Array;
  readonly statuses: readonly string[];
}

/** Builds `CompactTraffic` incrementally, so timelines can be generated and dropped in chunks. */
export class CompactTrafficBuilder {
  readonly #sentAt: number[] = [];
  readonly #firstRecipient: number[] = [0];
  readonly #firstEvent: number[] = [0];
  readonly #eventAt: number[] = [];
  readonly #eventStatus: number[] = [];
  readonly #statuses: string[] = [];
  readonly #statusIndex = new Map<string, number>();

  /**
   * Adds messages. An event that changes neither the status (once normalised,
   * as the diff compares) nor `stopMail` makes no event in the product, so it is
   * dropped; a recipient's first event always counts (first sight).
   */
  add(messages: readonly SimMessageTimeline[]): this {
    for (const message of messages) {
      this.#sentAt.push(message.sentAt);
      for (const recipient of message.recipients) {
        let status = 'Waiting';
        let stopMail = false;
        let first = true;
        for (const event of recipient.events) {
          const nextStatus: string = event.status ?? status;
          const nextStop: boolean = event.stopMail ?? stopMail;
          const changed =
            first ||
            nextStop !== stopMail ||
            normalizeStatus(nextStatus) !== normalizeStatus(status);
          if (changed) {
            // The diff keeps the old raw string when only case/spacing changed.
            if (first || normalizeStatus(nextStatus) !== normalizeStatus(status)) {
              status = nextStatus;
            }
            stopMail = nextStop;
            this.#eventAt.push(event.atMs);
            this.#eventStatus.push(this.#intern(status));
          }
          first = false;
        }
        this.#firstEvent.push(this.#eventAt.length);
      }
      this.#firstRecipient.push(this.#firstEvent.length - 1);
    }
    return this;
  }

  build(): CompactTraffic {
    return {
      messageCount: this.#sentAt.length,
      sentAt: Float64Array.from(this.#sentAt),
      firstRecipient: Uint32Array.from(this.#firstRecipient),
      firstEvent: Uint32Array.from(this.#firstEvent),
      eventAt: Float64Array.from(this.#eventAt),
      eventStatus: Uint16Array.from(this.#eventStatus),
      statuses: [...this.#statuses],
    };
  }

  #intern(status: string): number {
    let index = this.#statusIndex.get(status);
    if (index === undefined) {
      index = this.#statuses.length;
      this.#statuses.push(status);
      this.#statusIndex.set(status, index);
    }
    return index;
  }
}
