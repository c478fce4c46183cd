/** Public AWS prices the cost figures use, and the arithmetic. */

export const PRICES = {
  region: 'us-east-1',
  /** DynamoDB on-demand, per million read request units. */
  readPerMillion: 0.125,
  /** DynamoDB on-demand, per million write request units. */
  writePerMillion: 0.625,
  /** EventBridge custom events, per million (each 64 KB chunk of a PutEvents entry is one). */
  eventsPerMillion: 1.0,
  /** Lambda duration on arm64 (the functions' architecture), per GB-second. */
  lambdaArmPerGbSecond: 0.0000133334,
  asOf: 'DynamoDB on-demand prices in effect since 1 November 2024 (us-east-1); EventBridge custom events $1.00 per million; Lambda arm64 $0.0000133334 per GB-second. Taken from AWS public pricing as of the brief of this run; not re-checked online (the benchmark runs offline).',
} as const;

export interface UnitUse {
  /** Read request units. */
  readonly rru: number;
  /** Write request units, table and index. */
  readonly wru: number;
  /** Events as EventBridge bills them. */
  readonly events: number;
}

export interface Cost {
  readonly reads: number;
  readonly writes: number;
  readonly events: number;
  readonly total: number;
}

/** Dollars for a million of whatever `perItem` is measured per (a change, a poll...). */
export function costPerMillion(perItem: UnitUse): Cost {
  const reads = perItem.rru * PRICES.readPerMillion;
  const writes = perItem.wru * PRICES.writePerMillion;
  const events = perItem.events * PRICES.eventsPerMillion;
  return { reads, writes, events, total: reads + writes + events };
}
