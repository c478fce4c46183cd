import { describe, expect, it } from 'vitest';
import { entrySize, planBatches } from '../../../shared/publisher/batching.ts';

describe('entrySize', () => {
  it('counts 14 bytes for Time plus the UTF-8 bytes of Source, DetailType, Detail and Resources', () => {
    const size = entrySize({
      Time: new Date(),
      Source: 'src',
      DetailType: 'Type',
      Detail: '{"a":"é"}',
      Resources: ['r1', 'r22'],
    });
    expect(size).toBe(14 + 3 + 4 + 10 + 2 + 3);
  });

  it('counts nothing for Time when the entry has none', () => {
    expect(entrySize({ Source: 'a', DetailType: 'b', Detail: '{}' })).toBe(4);
  });

  it('counts multi-byte characters by their bytes, not their length', () => {
    expect(entrySize({ Detail: '€'.repeat(10) })).toBe(30);
  });
});

describe('planBatches', () => {
  const limits = { maxEntries: 10, maxPayloadBytes: 1_000 };

  it('cuts 25 small entries into 10, 10 and 5, in input order', () => {
    const batches = planBatches(Array(25).fill(10), limits);
    expect(batches.map((b) => b.length)).toEqual([10, 10, 5]);
    expect(batches.flat()).toEqual([...Array(25).keys()]);
  });

  it('starts a new batch before the payload limit would be passed', () => {
    expect(planBatches([400, 400, 300, 600, 400, 1_000], limits)).toEqual([
      [0, 1],
      [2, 3],
      [4],
      [5],
    ]);
  });

  it('lets a batch fill exactly up to the limit', () => {
    expect(planBatches([500, 500, 1], limits)).toEqual([[0, 1], [2]]);
  });

  it('returns no batch for no entry', () => {
    expect(planBatches([], limits)).toEqual([]);
  });

  it('refuses an entry larger than the limit on its own (the caller must filter it)', () => {
    expect(() => planBatches([10, 1_001], limits)).toThrow(RangeError);
  });
});
