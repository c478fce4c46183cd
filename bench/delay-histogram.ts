/** The delays the schedule simulation measures, kept as a histogram of whole seconds. */

/** Delays of seen changes, in whole seconds rounded up, as a histogram. */
export class DelayHistogram {
  readonly #bins: Uint32Array;
  #count = 0;
  #max = 0;

  constructor(maxSeconds = 96 * 3600) {
    this.#bins = new Uint32Array(maxSeconds + 2);
  }

  add(delayMs: number): void {
    const seconds = Math.min(this.#bins.length - 1, Math.ceil(delayMs / 1000));
    this.#bins[seconds] = (this.#bins[seconds] ?? 0) + 1;
    this.#count += 1;
    if (seconds > this.#max) this.#max = seconds;
  }

  get count(): number {
    return this.#count;
  }

  /** Largest delay seen, seconds. */
  get max(): number {
    return this.#max;
  }

  /**
   * Smallest delay d (seconds) such that at least q of the delays are <= d; NaN
   * when empty. `never` changes that were never seen count as infinitely late
   * (Infinity when the quantile falls among them).
   */
  quantile(q: number, never = 0): number {
    if (this.#count + never === 0) return Number.NaN;
    const target = Math.max(1, Math.ceil(q * (this.#count + never)));
    if (target > this.#count) return Number.POSITIVE_INFINITY;
    let seen = 0;
    for (let s = 0; s < this.#bins.length; s++) {
      seen += this.#bins[s] ?? 0;
      if (seen >= target) return s;
    }
    return this.#max;
  }

  /** Share of delays <= `seconds`, out of the seen ones plus `never` unseen. */
  shareAtMost(seconds: number, never = 0): number {
    if (this.#count + never === 0) return Number.NaN;
    let seen = 0;
    for (let s = 0; s <= seconds && s < this.#bins.length; s++) seen += this.#bins[s] ?? 0;
    return seen / (this.#count + never);
  }
}
