/**
 * The `data` attribute of a state chunk: gzip of
 * `{ format: 1, recipients: RecipientState[], outbox: CatalogEvent[] }`.
 *
 * A chunk is the unit of atomicity: its recipients' states and the events
 * describing their last changes (not yet published) are always written
 * together, in one conditional write.
 */
import { promisify } from 'node:util';
import { gunzip, gzip } from 'node:zlib';
import * as z from 'zod';
import { type CatalogEvent, parseCatalogEvent } from '../catalog/events.ts';
import type { RecipientState } from '../model.ts';
import { CorruptItemError, ItemTooLargeError } from './errors.ts';

const gzipAsync = promisify(gzip);
const gunzipAsync = promisify(gunzip);

/** Most recipients one chunk holds. */
export const CHUNK_RECIPIENTS = 500;

/**
 * Largest gzipped `data` the store writes. DynamoDB refuses items over 400 KB;
 * the margin covers the other attributes and leaves a clear error of our own.
 */
export const MAX_CHUNK_BYTES = 350 * 1024;

const FORMAT = 1;

export interface ChunkData {
  readonly recipients: readonly RecipientState[];
  readonly outbox: readonly CatalogEvent[];
}

const recipientStateSchema = z
  .object({
    email: z.string(),
    token: z.string(),
    status: z.string(),
    stopMail: z.boolean(),
    cost: z.number().nullable(),
    statusAt: z.string(),
    sequence: z.number().int().positive(),
    lastEventId: z.string(),
    finalAt: z.string().optional(),
  })
  .strict();

const chunkSchema = z.object({
  format: z.literal(FORMAT),
  recipients: z.array(recipientStateSchema),
  outbox: z.array(z.object({ detailType: z.string(), detail: z.unknown() })),
});

/** The gzipped `data` attribute of a chunk, whatever its size. */
export async function gzipChunk(data: ChunkData): Promise<Uint8Array> {
  const json = JSON.stringify({ format: FORMAT, recipients: data.recipients, outbox: data.outbox });
  return gzipAsync(json);
}

/**
 * Serialises and gzips a chunk.
 *
 * @param where - names the chunk in errors, e.g. "STATE#00002 of message m-1".
 * @throws ItemTooLargeError when the result would not fit one item.
 */
export async function encodeChunk(data: ChunkData, where: string): Promise<Uint8Array> {
  const bytes = await gzipChunk(data);
  if (bytes.byteLength > MAX_CHUNK_BYTES) {
    throw new ItemTooLargeError(
      `State chunk ${where} would take ${Math.ceil(bytes.byteLength / 1024)} KB gzipped, over the store's ${MAX_CHUNK_BYTES / 1024} KB limit (DynamoDB items stop at 400 KB): ${data.recipients.length} recipient(s) and ${data.outbox.length} unpublished event(s) are too large; look for oversized addresses, tokens, statuses or metadata, or publish the outbox first`,
    );
  }
  return bytes;
}

/**
 * Gunzips and validates a chunk.
 *
 * @throws CorruptItemError when the bytes are not a chunk this store wrote.
 */
export async function decodeChunk(bytes: Uint8Array, where: string): Promise<ChunkData> {
  let raw: unknown;
  try {
    raw = JSON.parse((await gunzipAsync(bytes)).toString('utf8'));
  } catch (error) {
    throw new CorruptItemError(`State chunk ${where} is corrupt: not gzipped JSON`, {
      cause: error,
    });
  }
  const parsed = chunkSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new CorruptItemError(
      `State chunk ${where} is corrupt: ${issue?.message ?? 'invalid'} at ${issue?.path.join('.') ?? '(root)'}`,
      { cause: parsed.error },
    );
  }
  let outbox: CatalogEvent[];
  try {
    outbox = parsed.data.outbox.map((e) => parseCatalogEvent(e.detailType, e.detail));
  } catch (error) {
    throw new CorruptItemError(`State chunk ${where} is corrupt: an outbox event is invalid`, {
      cause: error,
    });
  }
  return { recipients: parsed.data.recipients, outbox };
}
