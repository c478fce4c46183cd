/**
 * How PutEvents entries are cut into calls: at most 10 entries, and at most
 * `maxPayloadBytes` in total, with each entry's size computed the way AWS documents
 * it ("Calculating PutEvents event entry size"): 14 bytes for `Time` when present,
 * plus the UTF-8 bytes of Source, DetailType, Detail and every Resource.
 * Pure functions, no SDK.
 */

/** Most entries one PutEvents call takes. */
export const PUT_EVENTS_MAX_ENTRIES = 10;

/** The entry fields that count towards the PutEvents payload limit. */
export interface SizedEntry {
  readonly Time?: Date | undefined;
  readonly Source?: string | undefined;
  readonly DetailType?: string | undefined;
  readonly Detail?: string | undefined;
  readonly Resources?: readonly string[] | undefined;
}

const TIME_BYTES = 14;

/** Size of one entry as EventBridge counts it against the payload limit. */
export function entrySize(entry: SizedEntry): number {
  let size = entry.Time !== undefined ? TIME_BYTES : 0;
  for (const text of [entry.Source, entry.DetailType, entry.Detail, ...(entry.Resources ?? [])]) {
    if (text !== undefined) size += Buffer.byteLength(text, 'utf8');
  }
  return size;
}

/**
 * Groups entry sizes into calls, keeping input order (a batch is a run of
 * consecutive indexes). Every size must already be ≤ `maxPayloadBytes`: an entry
 * too large on its own is the caller's to refuse.
 */
export function planBatches(
  sizes: readonly number[],
  limits: { readonly maxEntries: number; readonly maxPayloadBytes: number },
): number[][] {
  const batches: number[][] = [];
  let current: number[] = [];
  let bytes = 0;
  sizes.forEach((size, index) => {
    if (size > limits.maxPayloadBytes) {
      throw new RangeError(`Entry #${index} (${size} bytes) exceeds maxPayloadBytes`);
    }
    if (current.length === limits.maxEntries || bytes + size > limits.maxPayloadBytes) {
      batches.push(current);
      current = [];
      bytes = 0;
    }
    current.push(index);
    bytes += size;
  });
  if (current.length > 0) batches.push(current);
  return batches;
}
