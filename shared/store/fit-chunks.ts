/**
 * Size-aware chunking. A chunk holds up to 500 recipients, which is far below
 * DynamoDB's 400 KB item limit for ordinary addresses (about 60 KB gzipped
 * with its outbox) but not for 500 long, legal addresses and tokens with their
 * events: a reply the parser accepts made a chunk the store could not write,
 * and every poll of that message failed. The commit is planned by count, each
 * chunk gzipped, and the newcomers of a chunk that came out too large are
 * placed fewer per chunk, the rest spilling into new chunks, until every chunk
 * fits. An ordinary commit fits at the first round: same chunks, same writes,
 * same cost as before.
 *
 * Recipients already stored never move (moving one would take two writes that
 * are not atomic), so a chunk that outgrows the limit without newcomers, or a
 * single recipient too large on its own, is still an ItemTooLargeError.
 */
import type { CommitInput } from '../ports.ts';
import { type ChunkWrite, planCommit } from './chunk-writes.ts';
import { chunkSk } from './keys.ts';
import type { MessageVersion } from './message-version.ts';
import { CHUNK_RECIPIENTS, encodeChunk, gzipChunk, MAX_CHUNK_BYTES } from './state-chunk.ts';

/** Planning rounds before giving up (each at least halves an oversized chunk's newcomers). */
const MAX_ROUNDS = 16;
/** Aim below the limit when scaling a chunk down: gzip is not linear in its input. */
const TARGET = 0.85;

export interface FittedCommit {
  readonly writes: ChunkWrite[];
  readonly encoded: Uint8Array[];
}

/**
 * The chunk writes of a commit with their encoded data, every chunk within
 * `MAX_CHUNK_BYTES`.
 *
 * @throws ItemTooLargeError when a chunk cannot be made to fit (see above).
 */
export async function planFittingCommit(
  messageId: string,
  version: MessageVersion,
  input: CommitInput,
): Promise<FittedCommit> {
  const capacity = new Map<number, number>();
  for (let round = 1; ; round++) {
    const writes = planCommit(
      messageId,
      version,
      input,
      (index) => capacity.get(index) ?? CHUNK_RECIPIENTS,
    );
    const encoded = await Promise.all(writes.map((w) => gzipChunk(w)));
    let fits = true;
    for (const [i, write] of writes.entries()) {
      const size = (encoded[i] as Uint8Array).byteLength;
      if (size <= MAX_CHUNK_BYTES) continue;
      fits = false;
      const stored = version.chunks[write.index]?.recipients.length ?? 0;
      const newcomers = write.recipients.length - stored;
      const cannotShrink = newcomers === 0 || (stored === 0 && newcomers === 1);
      if (cannotShrink || round >= MAX_ROUNDS) {
        // Throws the store's usual, descriptive error for this chunk.
        await encodeChunk(write, `${chunkSk(write.index)} of message ${messageId}`);
      }
      const scaled = Math.floor(newcomers * ((MAX_CHUNK_BYTES * TARGET) / size));
      const keep = Math.max(stored === 0 ? 1 : 0, Math.min(newcomers - 1, scaled));
      capacity.set(write.index, stored + keep);
    }
    if (fits) return { writes, encoded };
  }
}
