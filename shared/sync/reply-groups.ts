/**
 * Splitting one reply into the groups a large message is synced by: each
 * group is diffed, committed (state and events together), published and let
 * go before the next, so a sync holds one group's events at a time instead of
 * the whole message's (100,000 recipients made 100,000 events, their outbox
 * chunks, PutEvents entries and audit items all at once). Pure.
 *
 * Groups follow the store's layout so each commits as few chunks as one:
 * recipients already stored go with the `GROUP_SIZE` stored recipients around
 * them (the stored order is chunk order, 500 to a chunk), and recipients seen
 * for the first time follow in reply order, first topping up the last group,
 * then `GROUP_SIZE` at a time, which is where the store places them (the last
 * chunk with room, then new chunks). A message of up to 500 recipients is one
 * group: it commits and publishes exactly as it did before groups.
 */
import { mergeDuplicateRows } from '../diff/merge-rows.ts';
import { type RecipientReport, type RecipientState, recipientKey } from '../model.ts';

/** Recipients a group covers: one state chunk's worth (`CHUNK_RECIPIENTS` of the store). */
const GROUP_SIZE = 500;

/**
 * The reply's rows in groups, each a list of rows (one per recipient, a
 * recipient listed twice merged as the diff merges it). Empty groups are not
 * yielded. Lazy: the caller commits a group before the next is cut.
 *
 * @param stored - the committed states, in the store's order (a Map keeps it).
 */
export function* replyGroups(
  stored: ReadonlyMap<string, RecipientState>,
  rows: Iterable<RecipientReport>,
  size: number = GROUP_SIZE,
): Generator<RecipientReport[]> {
  // Rows not yet placed, in reply order; rows of stored recipients leave it as
  // their group is cut, so what remains at the end is the newcomers.
  const pending = mergeDuplicateRows(rows, recipientKey);
  let group: RecipientReport[] = [];
  let position = 0;
  for (const key of stored.keys()) {
    const row = pending.get(key);
    if (row !== undefined) {
      group.push(row);
      pending.delete(key);
    }
    position += 1;
    if (position % size === 0 && group.length > 0) {
      yield group;
      group = [];
    }
  }
  for (const row of pending.values()) {
    group.push(row);
    position += 1;
    if (position % size === 0) {
      yield group;
      group = [];
    }
  }
  if (group.length > 0) yield group;
}
