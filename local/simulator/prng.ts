/**
 * A small seeded pseudo-random generator, so that simulated traffic and injected
 * faults replay identically for a given seed (Math.random cannot be seeded).
 */

/** Uniform and derived draws from one seeded stream. */
export interface Prng {
  /** Uniform in [0, 1). */
  next(): number;
  /** Integer uniform in [min, max], both included. */
  int(min: number, max: number): number;
  /** True with probability `p`. */
  chance(p: number): boolean;
  /** One element of a non-empty list. */
  pick<T>(items: readonly T[]): T;
  /** Standard normal draw (Box-Muller). */
  normal(): number;
  /** Log-uniform in [min, max]: as likely between 1 and 10 as between 10 and 100. */
  logUniform(min: number, max: number): number;
  /** `digits` lowercase hexadecimal characters. */
  hex(digits: number): string;
}

/**
 * Creates a generator from a seed. The same seed always yields the same sequence.
 * mulberry32: tiny, fast, good enough for test traffic (not for cryptography).
 */
export function createPrng(seed: number): Prng {
  let state = mixSeed(seed);
  const next = (): number => {
    state = (state + 0x6d2b79f5) | 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    int: (min, max) => min + Math.floor(next() * (max - min + 1)),
    chance: (p) => next() < p,
    pick<T>(items: readonly T[]): T {
      if (items.length === 0) throw new RangeError('pick() needs a non-empty list');
      return items[Math.floor(next() * items.length)] as T;
    },
    normal() {
      // 1 - next() is in (0, 1], so the logarithm stays finite.
      const u = 1 - next();
      const v = next();
      return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
    },
    logUniform: (min, max) => Math.exp(Math.log(min) + next() * (Math.log(max) - Math.log(min))),
    hex(digits) {
      let out = '';
      while (out.length < digits) out += Math.floor(next() * 16).toString(16);
      return out;
    },
  };
}

/**
 * Derives an independent seed for a sub-stream (for example one per generated
 * message), so that message 3 is the same whether 5 or 500 messages are generated.
 */
export function deriveSeed(seed: number, ...parts: number[]): number {
  let h = mixSeed(seed);
  for (const part of parts) h = mixSeed(h ^ Math.imul(part + 1, 0x9e3779b1));
  return h;
}

/** Scrambles a seed (murmur3 finaliser) so that seeds 1, 2, 3 give unrelated streams. */
function mixSeed(seed: number): number {
  let h = Math.trunc(seed) | 0;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) | 0;
}
