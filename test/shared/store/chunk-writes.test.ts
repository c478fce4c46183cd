import { describe, expect, it } from 'vitest';
import { planCommit, planMarkPublished } from '../../../shared/store/chunk-writes.ts';
import { type ChunkSnapshot, toLoaded, versionOf } from '../../../shared/store/message-version.ts';
import { advanced, changesOf, eventOf, range, recipient, T0 } from './fixtures.ts';

const message = {
  messageId: 'm-1',
  metadata: {},
  trackedAt: T0.toISOString(),
  nextPollAt: T0.toISOString(),
  lastPolledAt: null,
  active: true,
  state: 'active' as const,
  sendAt: null,
  expectedSendAt: T0.toISOString(),
  sendReason: 'now' as const,
  endedAt: null,
};

function chunk(index: number, ids: number[], outboxIds: number[] = []): ChunkSnapshot {
  return {
    index,
    version: 3,
    observedAt: T0.toISOString(),
    recipients: ids.map((i) => recipient(i)),
    outbox: outboxIds.map((i) => eventOf('m-1', recipient(i), T0.toISOString())),
  };
}

describe('planCommit', () => {
  it('fills the last chunk, then opens new ones, and leaves known recipients where they are', () => {
    const version = versionOf(
      toLoaded(message, 2, [chunk(0, range(500)), chunk(1, range(499, 500))]),
    );
    const input = changesOf('m-1', [
      ...[1000, 1001, 1002].map((i) => recipient(i)),
      advanced(recipient(7), 'Delivered'),
    ]);

    const writes = planCommit('m-1', version, input);

    expect(writes.map((w) => [w.index, w.expected, w.recipients.length, w.outbox.length])).toEqual([
      [0, 3, 500, 1],
      [1, 3, 500, 1],
      [2, null, 2, 2],
    ]);
    expect(writes[0]?.recipients[7]?.status).toBe('Delivered');
    expect(writes[1]?.recipients.at(-1)?.email).toBe('user1000@example.com');
    expect(writes[2]?.recipients.map((r) => r.email)).toEqual([
      'user1001@example.com',
      'user1002@example.com',
    ]);
  });
});

describe('planMarkPublished', () => {
  it('rewrites only the chunks whose outbox holds a published id', () => {
    const version = versionOf(toLoaded(message, 2, [chunk(0, [0, 1], [0, 1]), chunk(1, [2], [2])]));
    const writes = planMarkPublished(version, ['evt-1-1', 'unknown']);
    expect(writes).toHaveLength(1);
    expect(writes[0]).toMatchObject({ index: 0, expected: 3 });
    expect(writes[0]?.outbox.map((e) => e.detail.eventId)).toEqual(['evt-0-1']);
  });
});
