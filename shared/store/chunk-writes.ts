/**
 * Which chunks a commit or a markPublished rewrites, and with what. Pure: the
 * store turns each `ChunkWrite` into one conditional PutItem.
 */
import type { CatalogEvent } from '../catalog/events.ts';
import { type RecipientState, recipientKey } from '../model.ts';
import type { CommitInput } from '../ports.ts';
import { StoreError } from './errors.ts';
import type { MessageVersion } from './message-version.ts';
import { CHUNK_RECIPIENTS, type ChunkData } from './state-chunk.ts';

/** The new content of one chunk. `expected` null: the chunk does not exist yet. */
export interface ChunkWrite extends ChunkData {
  readonly index: number;
  readonly expected: number | null;
  readonly observedAt: string;
}

/**
 * How many recipients a chunk may hold, by index. By default every chunk takes
 * `CHUNK_RECIPIENTS`; the store lowers a chunk's capacity when its encoded
 * form came out too large (long addresses, tokens or statuses), so the
 * newcomers that did not fit go to the next chunk instead.
 */
export type ChunkCapacity = (index: number) => number;

const FULL: ChunkCapacity = () => CHUNK_RECIPIENTS;

/**
 * The chunk of every changed recipient: where it already lives, else the last
 * chunk with room, else a new chunk, in the order of `changed` (first
 * sighting). Once placed, a recipient never moves.
 */
function place(
  messageId: string,
  version: MessageVersion,
  changed: ReadonlyMap<string, RecipientState>,
  capacity: ChunkCapacity,
): Map<string, number> {
  const placement = new Map<string, number>();
  const last = version.chunks.at(-1);
  let fillIndex = last?.index ?? 0;
  let fillCount = last?.recipients.length ?? 0;
  for (const [key, state] of changed) {
    if (recipientKey(state) !== key) {
      throw new StoreError(
        `Changed recipient ${state.email} of message ${messageId} is filed under a key that is not its recipientKey()`,
      );
    }
    const existing = version.chunkOf.get(key);
    if (existing !== undefined) {
      placement.set(key, existing);
      continue;
    }
    while (fillCount >= Math.min(CHUNK_RECIPIENTS, capacity(fillIndex))) {
      fillIndex += 1;
      fillCount = version.chunks[fillIndex]?.recipients.length ?? 0;
    }
    placement.set(key, fillIndex);
    fillCount += 1;
  }
  return placement;
}

/**
 * The chunks a commit touches, ascending: each with its recipients (changed
 * ones replaced in place, newcomers appended) and its outbox (the new events
 * of its recipients appended, in input order).
 *
 * @throws StoreError for an event whose recipient is neither stored nor changed.
 */
export function planCommit(
  messageId: string,
  version: MessageVersion,
  input: CommitInput,
  capacity: ChunkCapacity = FULL,
): ChunkWrite[] {
  const placement = place(messageId, version, input.changed, capacity);
  const groups = new Map<number, { states: RecipientState[]; events: CatalogEvent[] }>();
  const group = (index: number) => {
    let g = groups.get(index);
    if (!g) {
      g = { states: [], events: [] };
      groups.set(index, g);
    }
    return g;
  };
  for (const [key, state] of input.changed) {
    group(placement.get(key) ?? 0).states.push(state);
  }
  for (const event of input.events) {
    const key = recipientKey(event.detail);
    const index = placement.get(key) ?? version.chunkOf.get(key);
    if (index === undefined) {
      throw new StoreError(
        `Event ${event.detail.eventId} of message ${messageId} is for ${event.detail.email}, who is neither stored nor among the changed recipients`,
      );
    }
    group(index).events.push(event);
  }

  return [...groups]
    .sort(([a], [b]) => a - b)
    .map(([index, g]): ChunkWrite => {
      const before = version.chunks[index];
      const changedHere = new Map(g.states.map((s) => [recipientKey(s), s]));
      const recipients = (before?.recipients ?? []).map(
        (r) => changedHere.get(recipientKey(r)) ?? r,
      );
      for (const state of g.states) {
        if (!version.chunkOf.has(recipientKey(state))) recipients.push(state);
      }
      return {
        index,
        expected: before?.version ?? null,
        observedAt: input.observedAt,
        recipients,
        outbox: [...(before?.outbox ?? []), ...g.events],
      };
    });
}

/** The chunks whose outbox holds some of `eventIds`, without them. */
export function planMarkPublished(
  version: MessageVersion,
  eventIds: readonly string[],
): ChunkWrite[] {
  const ids = new Set(eventIds);
  const writes: ChunkWrite[] = [];
  for (const chunk of version.chunks) {
    const outbox = chunk.outbox.filter((e) => !ids.has(e.detail.eventId));
    if (outbox.length === chunk.outbox.length) continue;
    writes.push({
      index: chunk.index,
      expected: chunk.version,
      observedAt: chunk.observedAt,
      recipients: chunk.recipients,
      outbox,
    });
  }
  return writes;
}
