/**
 * Key formats of the items of one message (see `table.ts` for why they sort
 * the way they do).
 */
import { createHash } from 'node:crypto';
import { StoreError } from './errors.ts';

export const META_SK = 'META';
export const STATE_PREFIX = 'STATE#';
export const AUDIT_PREFIX = 'AUDIT#';

/** Partition and sort key of the deployment's publication form (see table.ts). */
export const CONFIG_PK = 'CONFIG';
export const PUBLICATION_SK = 'PUBLICATION';

/** Partition of the tombstones; each one's sort key is the person's recipient key. */
export const FORGOTTEN_PK = 'FORGOTTEN';

/** Largest chunk index that fits the 5 digits of `STATE#nnnnn`. */
export const MAX_CHUNK_INDEX = 99_999;

export function messagePk(messageId: string): string {
  return `MSG#${messageId}`;
}

/** `STATE#00042`: zero padded so that chunks sort by index. */
export function chunkSk(index: number): string {
  if (!Number.isInteger(index) || index < 0 || index > MAX_CHUNK_INDEX) {
    throw new StoreError(`State chunk index ${index} is outside 0..${MAX_CHUNK_INDEX}`);
  }
  return `${STATE_PREFIX}${String(index).padStart(5, '0')}`;
}

/** Index of a `STATE#nnnnn` sort key; null for any other sort key. */
export function parseChunkSk(sk: string): number | null {
  const match = /^STATE#(\d{5})$/.exec(sk);
  return match?.[1] === undefined ? null : Number(match[1]);
}

/**
 * 16 hex characters of SHA-256 of a `recipientKey()`: keeps addresses out of
 * sort keys and groups one recipient's audit records together.
 */
export function recipientHash(key: string): string {
  return createHash('sha256').update(key).digest('hex').slice(0, 16);
}

/**
 * `AUDIT#<recipient hash>#<sequence, 6 digits>#<eventId>`: a function of the
 * event alone, so writing the same event again overwrites the same item.
 * Sequences past 999,999 still get a distinct key (7 digits) but no longer
 * sort numerically; `history` sorts by the `sequence` attribute anyway.
 */
export function auditSk(recipientKeyValue: string, sequence: number, eventId: string): string {
  return `${AUDIT_PREFIX}${recipientHash(recipientKeyValue)}#${String(sequence).padStart(6, '0')}#${eventId}`;
}
