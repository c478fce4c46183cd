import { describe, expect, it } from 'vitest';
import { type RecipientReport, type RecipientState, recipientKey } from '../../../shared/model.ts';
import { replyGroups } from '../../../shared/sync/reply-groups.ts';

const row = (i: number, status = 'Delivered'): RecipientReport => ({
  email: `r${i}@example.com`,
  token: `t${i}`,
  status,
  cost: null,
  stopMail: false,
  statusAt: null,
});
const state = (i: number): RecipientState => ({
  email: `r${i}@example.com`,
  token: `t${i}`,
  status: 'Waiting',
  stopMail: false,
  cost: null,
  statusAt: '2026-03-02T09:00:00.000Z',
  sequence: 1,
  lastEventId: `e${i}`,
});
const storedOf = (n: number) =>
  new Map(Array.from({ length: n }, (_, i) => [recipientKey(state(i)), state(i)]));
const ids = (groups: RecipientReport[][]) =>
  groups.map((g) => g.map((r) => Number(r.email.slice(1, -12))));

describe('replyGroups', () => {
  it('keeps a message of up to the group size in one group', () => {
    const rows = Array.from({ length: 5 }, (_, i) => row(4 - i));
    expect(ids([...replyGroups(storedOf(3), rows, 5)])).toEqual([[0, 1, 2, 4, 3]]);
  });

  it('groups stored recipients by their stored position, newcomers after, topping up the last group', () => {
    // 7 stored (groups of 3: 0-2, 3-5, 6), 4 newcomers (7..10) listed first in the reply.
    const rows = [10, 9, 8, 7, 5, 0, 6].map((i) => row(i));
    expect(ids([...replyGroups(storedOf(7), rows, 3)])).toEqual([[0], [5], [6, 10, 9], [8, 7]]);
  });

  it('yields no empty group and merges a recipient listed twice', () => {
    const rows = [row(4, 'Waiting'), row(4, 'Opened')];
    const groups = [...replyGroups(storedOf(6), rows, 2)];
    expect(groups).toHaveLength(1);
    expect(groups[0]).toEqual([row(4, 'Opened')]);
  });

  it('yields nothing for an empty reply', () => {
    expect([...replyGroups(storedOf(4), [], 2)]).toEqual([]);
  });
});
