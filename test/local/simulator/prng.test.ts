import { describe, expect, it } from 'vitest';
import { createPrng, deriveSeed } from '../../../local/simulator/prng.ts';

const draw = (seed: number, n: number) => {
  const prng = createPrng(seed);
  return Array.from({ length: n }, () => prng.next());
};

describe('createPrng', () => {
  it('replays the same sequence for the same seed and another for another seed', () => {
    expect(draw(42, 20)).toEqual(draw(42, 20));
    expect(draw(42, 20)).not.toEqual(draw(43, 20));
  });

  it('stays within its documented ranges', () => {
    const prng = createPrng(7);
    const uniform = Array.from({ length: 2000 }, () => prng.next());
    const ints = new Set(Array.from({ length: 2000 }, () => prng.int(3, 5)));
    const logs = Array.from({ length: 2000 }, () => prng.logUniform(10, 1000));
    const normals = Array.from({ length: 2000 }, () => prng.normal());
    expect(Math.min(...uniform)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...uniform)).toBeLessThan(1);
    expect([...ints].sort()).toEqual([3, 4, 5]);
    expect(Math.min(...logs)).toBeGreaterThanOrEqual(10);
    expect(Math.max(...logs)).toBeLessThanOrEqual(1000);
    expect(normals.every(Number.isFinite)).toBe(true);
    expect(prng.hex(24)).toMatch(/^[0-9a-f]{24}$/);
  });

  it('covers an integer range evenly enough to be used for picks', () => {
    const prng = createPrng(1);
    const counts = new Map<number, number>();
    for (let i = 0; i < 4000; i++) {
      const n = prng.int(0, 3);
      counts.set(n, (counts.get(n) ?? 0) + 1);
    }
    expect([...counts.keys()].sort()).toEqual([0, 1, 2, 3]);
    for (const c of counts.values()) expect(c).toBeGreaterThan(850);
  });
});

describe('deriveSeed', () => {
  it('gives distinct sub-streams per index, stable across calls', () => {
    const seeds = new Set(Array.from({ length: 1000 }, (_, i) => deriveSeed(5, i)));
    expect(seeds.size).toBe(1000);
    expect(deriveSeed(5, 3)).toBe(deriveSeed(5, 3));
    expect(deriveSeed(5, 3)).not.toBe(deriveSeed(6, 3));
  });
});
