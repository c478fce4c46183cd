/**
 * The opaque `LoadedMessage.version` of the DynamoDB store, and how a loaded
 * message is assembled from its state chunks. Pure: no SDK.
 */

import type { LoadedMessage, TrackedMessage } from '../domain/tracked-message.ts';
import { type RecipientState, recipientKey } from '../model.ts';
import { CorruptItemError, StoreError } from './errors.ts';
import { EMPTY_META_OUTBOX, type MetaOutbox } from './message-item.ts';
import type { ChunkData } from './state-chunk.ts';

/** One state chunk as stored: what `commit` and `markPublished` rewrite whole. */
export interface ChunkSnapshot extends ChunkData {
  readonly index: number;
  readonly version: number;
  readonly observedAt: string;
}

/**
 * Every chunk as loaded (the expected version of each conditional write, and
 * its full content, since a chunk is rewritten whole) and which chunk each
 * recipient lives in. Callers only hand it back.
 */
export class MessageVersion {
  constructor(
    /** META's chunk count, at least the number of chunks. */
    readonly chunkCount: number,
    /** Ascending by index, contiguous from 0: `chunks[i].index === i`. */
    readonly chunks: readonly ChunkSnapshot[],
    readonly chunkOf: ReadonlyMap<string, number>,
    /** META's message-level outbox as loaded. */
    readonly meta: MetaOutbox = EMPTY_META_OUTBOX,
  ) {}
}

/** The store's version of a loaded message; refuses one it did not produce. */
export function versionOf(loaded: LoadedMessage): MessageVersion {
  if (!(loaded.version instanceof MessageVersion)) {
    throw new StoreError(
      `Message ${loaded.message.messageId} was not loaded by the DynamoDB store: pass what load() or commit() returned`,
    );
  }
  return loaded.version;
}

/**
 * Assembles a `LoadedMessage` from its chunks: recipients keyed by
 * `recipientKey()`, outbox chunk by chunk, then in commit order.
 *
 * @throws CorruptItemError when a recipient is stored in two chunks.
 */
export function toLoaded(
  message: TrackedMessage,
  chunkCount: number,
  chunks: readonly ChunkSnapshot[],
  meta: MetaOutbox = EMPTY_META_OUTBOX,
): LoadedMessage {
  const recipients = new Map<string, RecipientState>();
  const chunkOf = new Map<string, number>();
  for (const chunk of chunks) {
    for (const state of chunk.recipients) {
      const key = recipientKey(state);
      const other = chunkOf.get(key);
      if (other !== undefined) {
        throw new CorruptItemError(
          `Message ${message.messageId} is corrupt: recipient ${state.email} is stored in chunks ${other} and ${chunk.index}`,
        );
      }
      recipients.set(key, state);
      chunkOf.set(key, chunk.index);
    }
  }
  return {
    message,
    recipients,
    // Message-level events first: "tracking started" precedes any recipient event.
    outbox: [...meta.events, ...chunks.flatMap((c) => c.outbox)],
    version: new MessageVersion(Math.max(chunkCount, chunks.length), chunks, chunkOf, meta),
  };
}

/**
 * `loaded` after `written` chunks replaced (or followed) its chunks, built
 * from it rather than from every chunk again: a large message is committed
 * and marked published group by group, and rebuilding the maps of all its
 * recipients after each write made that quadratic. Recipients never move or
 * leave a chunk, so only the written chunks' recipients are (re)set; when
 * `recipientsChanged` is false (a markPublished: outboxes only) the maps are
 * shared with `loaded` as they are.
 *
 * @throws CorruptItemError when a written recipient is stored in another chunk.
 */
export function withWritten(
  loaded: LoadedMessage,
  version: MessageVersion,
  chunkCount: number,
  written: readonly ChunkSnapshot[],
  meta: MetaOutbox,
  recipientsChanged: boolean,
): LoadedMessage {
  const chunks = mergeChunks(version, written);
  let recipients = loaded.recipients;
  let chunkOf = version.chunkOf;
  if (recipientsChanged && written.length > 0) {
    const nextRecipients = new Map(loaded.recipients);
    const nextChunkOf = new Map(version.chunkOf);
    for (const chunk of written) {
      for (const state of chunk.recipients) {
        const key = recipientKey(state);
        const other = nextChunkOf.get(key);
        if (other !== undefined && other !== chunk.index) {
          throw new CorruptItemError(
            `Message ${loaded.message.messageId} is corrupt: recipient ${state.email} is stored in chunks ${other} and ${chunk.index}`,
          );
        }
        nextRecipients.set(key, state);
        nextChunkOf.set(key, chunk.index);
      }
    }
    recipients = nextRecipients;
    chunkOf = nextChunkOf;
  }
  return {
    message: loaded.message,
    recipients,
    outbox: [...meta.events, ...chunks.flatMap((c) => c.outbox)],
    version: new MessageVersion(Math.max(chunkCount, chunks.length), chunks, chunkOf, meta),
  };
}

/** The chunks of `version` with the `written` ones replacing (or following) them. */
function mergeChunks(version: MessageVersion, written: readonly ChunkSnapshot[]): ChunkSnapshot[] {
  const chunks = [...version.chunks];
  for (const chunk of written) chunks[chunk.index] = chunk;
  return chunks;
}
