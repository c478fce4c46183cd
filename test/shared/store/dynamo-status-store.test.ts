import { QueryCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DynamoServer, startDynamoServer } from '../../../local/dynamodb-server.ts';
import { recipientKey } from '../../../shared/model.ts';
import { ConcurrentUpdateError } from '../../../shared/store/errors.ts';
import {
  advanced,
  changesOf,
  eventOf,
  freshStore,
  minutesAfter,
  range,
  recipient,
  T0,
} from './fixtures.ts';

let server: DynamoServer;
beforeAll(async () => {
  server = await startDynamoServer();
});
afterAll(async () => {
  await server.close();
});

describe('DynamoStatusStore.track', () => {
  it('tracks a new message, due at once, with its metadata', async () => {
    const { store } = await freshStore(server);
    const result = await store.track('m-1', { campaign: 'spring' }, T0);
    expect(result).toEqual({
      created: true,
      restarted: false,
      message: {
        messageId: 'm-1',
        metadata: { campaign: 'spring' },
        trackedAt: T0.toISOString(),
        nextPollAt: T0.toISOString(),
        lastPolledAt: null,
        active: true,
        state: 'active',
        sendAt: null,
        expectedSendAt: T0.toISOString(),
        sendReason: 'now',
        endedAt: null,
      },
    });
    expect((await store.load('m-1'))?.message).toEqual(result.message);
  });

  it('tracking twice changes nothing and returns the stored message', async () => {
    const { store } = await freshStore(server);
    const first = await store.track('m-1', { campaign: 'spring' }, T0);
    const second = await store.track('m-1', { campaign: 'autumn' }, minutesAfter(T0, 5));
    expect(second).toEqual({ created: false, restarted: false, message: first.message });
    expect((await store.load('m-1'))?.message.metadata).toEqual({ campaign: 'spring' });
  });
});

describe('DynamoStatusStore.listDue', () => {
  it('returns only messages whose nextPollAt has come, oldest first, from the GSI', async () => {
    const { store, requests } = await freshStore(server);
    await store.track('late', {}, minutesAfter(T0, 2));
    await store.track('early', {}, T0);
    await store.track('future', {}, minutesAfter(T0, 60));
    await store.track('gone', {}, T0);
    await store.untrack('gone');
    await store.retire('gone');
    requests.length = 0;

    const due = await store.listDue(minutesAfter(T0, 5));

    expect(due.map((m) => m.messageId)).toEqual(['early', 'late']);
    expect(requests).toEqual(['QueryCommand']);
  });

  it('with force returns every indexed message, due or not, but never retired ones', async () => {
    const { store } = await freshStore(server);
    await store.track('a', {}, T0);
    await store.track('b', {}, minutesAfter(T0, 60));
    await store.track('c', {}, T0);
    await store.untrack('c');
    await store.retire('c');
    const due = await store.listDue(T0, { force: true });
    expect(due.map((m) => m.messageId)).toEqual(['a', 'b']);
  });

  it('keeps an untracked message listed (inactive) until it is retired, so its outbox can be flushed', async () => {
    const { store } = await freshStore(server);
    await store.track('u', {}, T0);
    await store.untrack('u');
    expect((await store.listDue(T0)).map((m) => [m.messageId, m.active, m.state])).toEqual([
      ['u', false, 'untracked'],
    ]);
    await store.retire('u');
    expect(await store.listDue(T0, { force: true })).toEqual([]);
  });

  it('retire leaves an active message in the index', async () => {
    const { store } = await freshStore(server);
    await store.track('a', {}, T0);
    await store.retire('a');
    expect((await store.listDue(T0)).map((m) => m.messageId)).toEqual(['a']);
  });

  it('stops at limit, following pages', async () => {
    const { store } = await freshStore(server);
    for (const i of range(7)) await store.track(`m-${i}`, {}, minutesAfter(T0, i));
    const due = await store.listDue(minutesAfter(T0, 10), { limit: 5 });
    expect(due.map((m) => m.messageId)).toEqual(['m-0', 'm-1', 'm-2', 'm-3', 'm-4']);
  });

  it('follows recordPoll: a polled message is due again at its nextPollAt', async () => {
    const { store } = await freshStore(server);
    await store.track('m-1', {}, T0);
    await store.recordPoll('m-1', minutesAfter(T0, 1), minutesAfter(T0, 30));

    expect(await store.listDue(minutesAfter(T0, 29))).toEqual([]);
    const [due] = await store.listDue(minutesAfter(T0, 30));
    expect(due).toMatchObject({
      messageId: 'm-1',
      lastPolledAt: minutesAfter(T0, 1).toISOString(),
      nextPollAt: minutesAfter(T0, 30).toISOString(),
    });
  });
});

describe('DynamoStatusStore.recordPoll and untrack', () => {
  it('records a poll of an untracked message without putting it back in the due index', async () => {
    const { store } = await freshStore(server);
    await store.track('m-1', {}, T0);
    const untracked = await store.untrack('m-1');
    expect(untracked?.active).toBe(false);
    await store.retire('m-1');

    await store.recordPoll('m-1', minutesAfter(T0, 1), minutesAfter(T0, 2));

    expect(await store.listDue(minutesAfter(T0, 10), { force: true })).toEqual([]);
    expect((await store.load('m-1'))?.message).toMatchObject({
      active: false,
      lastPolledAt: minutesAfter(T0, 1).toISOString(),
    });
  });

  it('ignores a poll of a message that is not stored and untrack answers null', async () => {
    const { store } = await freshStore(server);
    await expect(store.recordPoll('nope', T0, T0)).resolves.toBeUndefined();
    expect(await store.load('nope')).toBeNull();
    expect(await store.untrack('nope')).toBeNull();
  });
});

describe('DynamoStatusStore.load', () => {
  it('answers null for a message that is not tracked', async () => {
    const { store } = await freshStore(server);
    expect(await store.load('unknown')).toBeNull();
  });

  it('loads a tracked message without state as empty', async () => {
    const { store } = await freshStore(server);
    await store.track('m-1', {}, T0);
    const loaded = await store.load('m-1');
    expect(loaded?.recipients.size).toBe(0);
    expect(loaded?.outbox).toEqual([]);
  });

  it('does not read audit records (they sort before META)', async () => {
    const { store, requests } = await freshStore(server);
    await store.track('m-1', {}, T0);
    const states = range(3).map((i) => recipient(i));
    const input = changesOf('m-1', states);
    const loaded = await store.load('m-1');
    if (!loaded) throw new Error('not loaded');
    await store.commit(loaded, input);
    await store.writeAudit('m-1', input.events);
    requests.length = 0;

    const again = await store.load('m-1');

    expect(again?.recipients.size).toBe(3);
    expect(requests).toEqual(['QueryCommand']);
  });
});

describe('DynamoStatusStore.commit', () => {
  it('round-trips recipient states and their events through the outbox', async () => {
    const { store } = await freshStore(server);
    await store.track('m-1', { campaign: 'spring' }, T0);
    const loaded = await store.load('m-1');
    if (!loaded) throw new Error('not loaded');
    const states = range(4).map((i) => recipient(i, { cost: i === 2 ? null : 0.05 }));
    const input = changesOf('m-1', states);

    const committed = await store.commit(loaded, input);
    const reloaded = await store.load('m-1');

    for (const view of [committed, reloaded]) {
      expect(view?.recipients).toEqual(input.changed);
      expect(view?.outbox).toEqual(input.events);
    }
  });

  it('appends later events after the ones still in the outbox and replaces states', async () => {
    const { store } = await freshStore(server);
    await store.track('m-1', {}, T0);
    const first = changesOf('m-1', [recipient(0), recipient(1)]);
    const loaded = await store.load('m-1');
    if (!loaded) throw new Error('not loaded');
    const afterFirst = await store.commit(loaded, first);
    const moved = advanced(recipient(1), 'Delivered');
    const second = changesOf('m-1', [moved], '2026-03-01T10:06:00.000Z');

    await store.commit(afterFirst, second);
    const reloaded = await store.load('m-1');

    expect(reloaded?.outbox.map((e) => e.detail.eventId)).toEqual([
      'evt-0-1',
      'evt-1-1',
      'evt-1-2',
    ]);
    expect(reloaded?.recipients.get(recipientKey(moved))).toEqual(moved);
    expect(reloaded?.recipients.get(recipientKey(recipient(0)))).toEqual(recipient(0));
  });

  it('lets exactly one of two commits from the same version win; nothing of the loser is visible', async () => {
    const { store } = await freshStore(server);
    await store.track('m-1', {}, T0);
    const base = await store.load('m-1');
    if (!base) throw new Error('not loaded');
    const a = changesOf('m-1', [recipient(1, { status: 'A', lastEventId: 'evt-a' })]);
    const b = changesOf('m-1', [recipient(1, { status: 'B', lastEventId: 'evt-b' })]);

    const results = await Promise.allSettled([store.commit(base, a), store.commit(base, b)]);

    const winners = results.filter((r) => r.status === 'fulfilled');
    const losers = results.flatMap((r) => (r.status === 'rejected' ? [r.reason] : []));
    expect(winners).toHaveLength(1);
    expect(losers).toHaveLength(1);
    expect(losers[0]).toBeInstanceOf(ConcurrentUpdateError);
    expect(losers[0].message).toContain('m-1');
    expect(losers[0].committedChunks).toEqual([]);

    const reloaded = await store.load('m-1');
    const status = reloaded?.recipients.get(recipientKey(recipient(1)))?.status;
    expect(reloaded?.outbox.map((e) => e.detail.eventId)).toEqual([
      status === 'A' ? 'evt-a' : 'evt-b',
    ]);
  });

  it('refuses a commit from a stale version after another commit went through', async () => {
    const { store } = await freshStore(server);
    await store.track('m-1', {}, T0);
    const base = await store.load('m-1');
    if (!base) throw new Error('not loaded');
    const v1 = await store.commit(base, changesOf('m-1', [recipient(0)]));
    await store.commit(v1, changesOf('m-1', [advanced(recipient(0), 'Delivered')]));

    await expect(
      store.commit(v1, changesOf('m-1', [advanced(recipient(0), 'Opened')])),
    ).rejects.toThrow(ConcurrentUpdateError);
    const reloaded = await store.load('m-1');
    expect(reloaded?.recipients.get(recipientKey(recipient(0)))?.status).toBe('Delivered');
  });

  it('writes nothing when there is nothing to commit', async () => {
    const { store, requests } = await freshStore(server);
    await store.track('m-1', {}, T0);
    const loaded = await store.load('m-1');
    if (!loaded) throw new Error('not loaded');
    requests.length = 0;
    const same = await store.commit(loaded, { changed: new Map(), events: [], observedAt: '' });
    expect(same).toBe(loaded);
    expect(requests).toEqual([]);
  });

  it('refuses an event for a recipient that is neither stored nor changed', async () => {
    const { store } = await freshStore(server);
    await store.track('m-1', {}, T0);
    const loaded = await store.load('m-1');
    if (!loaded) throw new Error('not loaded');
    const stray = eventOf('m-1', recipient(9), '2026-03-01T10:01:00.000Z');
    await expect(
      store.commit(loaded, { changed: new Map(), events: [stray], observedAt: T0.toISOString() }),
    ).rejects.toThrow(/user9@example.com.*neither stored nor among the changed/);
    expect((await store.load('m-1'))?.outbox).toEqual([]);
  });
});

describe('DynamoStatusStore.markPublished', () => {
  it('empties the outbox of published events and keeps the others', async () => {
    const { store, requests } = await freshStore(server);
    await store.track('m-1', {}, T0);
    const loaded = await store.load('m-1');
    if (!loaded) throw new Error('not loaded');
    const committed = await store.commit(
      loaded,
      changesOf(
        'm-1',
        range(3).map((i) => recipient(i)),
      ),
    );
    requests.length = 0;

    const after = await store.markPublished(committed, ['evt-0-1', 'evt-2-1']);

    expect(requests).toEqual(['PutItemCommand']);
    expect(after.outbox.map((e) => e.detail.eventId)).toEqual(['evt-1-1']);
    const reloaded = await store.load('m-1');
    expect(reloaded?.outbox.map((e) => e.detail.eventId)).toEqual(['evt-1-1']);
    expect(reloaded?.recipients.size).toBe(3);

    const empty = await store.markPublished(after, ['evt-1-1']);
    expect(empty.outbox).toEqual([]);
    expect((await store.load('m-1'))?.outbox).toEqual([]);
  });

  it('does not throw on a stale version: it returns the newer state, events still in its outbox', async () => {
    const { store } = await freshStore(server);
    await store.track('m-1', {}, T0);
    const loaded = await store.load('m-1');
    if (!loaded) throw new Error('not loaded');
    const v1 = await store.commit(loaded, changesOf('m-1', [recipient(0)]));
    // Another poller commits on top of v1 before this one marks evt-0-1 published.
    await store.commit(v1, changesOf('m-1', [advanced(recipient(0), 'Delivered')]));

    const after = await store.markPublished(v1, ['evt-0-1']);

    expect(after.outbox.map((e) => e.detail.eventId)).toEqual(['evt-0-1', 'evt-0-2']);
    // The returned version is current: the next markPublished goes through.
    const done = await store.markPublished(after, ['evt-0-1', 'evt-0-2']);
    expect(done.outbox).toEqual([]);
    expect((await store.load('m-1'))?.outbox).toEqual([]);
  });

  it('writes nothing when none of the ids is in the outbox', async () => {
    const { store, requests } = await freshStore(server);
    await store.track('m-1', {}, T0);
    const loaded = await store.load('m-1');
    if (!loaded) throw new Error('not loaded');
    requests.length = 0;
    expect(await store.markPublished(loaded, ['unknown'])).toBe(loaded);
    expect(requests).toEqual([]);
  });
});

describe('DynamoStatusStore.writeAudit and history', () => {
  it('writes 60 events in 3 BatchWriteItem requests, and rewriting them changes nothing', async () => {
    const { store, requests } = await freshStore(server, { auditRetentionDays: 30 });
    const events = range(60).map((i) =>
      eventOf(
        'm-1',
        recipient(i % 20, { sequence: Math.floor(i / 20) + 1, lastEventId: `e-${i}` }),
        '2026-03-01T10:01:00.000Z',
      ),
    );

    await store.writeAudit('m-1', events);
    expect(requests).toEqual([
      'BatchWriteItemCommand',
      'BatchWriteItemCommand',
      'BatchWriteItemCommand',
    ]);
    const first = await store.audit.history('m-1');
    await store.writeAudit('m-1', events);
    const second = await store.audit.history('m-1');

    expect(first).toHaveLength(60);
    expect(second).toEqual(first);
    const expiresAt = Date.parse('2026-03-01T10:01:00.000Z') / 1000 + 30 * 86_400;
    expect(first[0]?.expiresAt).toBe(expiresAt);
  });

  it('stores one item per event under a hashed recipient key, without the address in the key', async () => {
    const { store, client } = await freshStore(server);
    const event = eventOf('m-1', recipient(1), '2026-03-01T10:01:00.000Z');
    await store.writeAudit('m-1', [event, event]);
    const [record] = await store.audit.history('m-1');
    expect(record?.event).toEqual(event);
    const { Items } = await client.send(
      new QueryCommand({
        TableName: store.tableName,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': { S: 'MSG#m-1' } },
      }),
    );
    expect(Items).toHaveLength(1);
    expect(Items?.[0]?.sk?.S).toMatch(/^AUDIT#[0-9a-f]{16}#000001#evt-1-1$/);
  });

  it('returns the history of one address sorted by sequence, and of all by email', async () => {
    const { store } = await freshStore(server);
    const bob = { email: 'bob@example.com', token: 't' };
    const ann = { email: 'ann@example.com', token: 't' };
    const events = [
      eventOf('m-1', recipient(0, { ...bob, sequence: 2, lastEventId: 'b2' }), T0.toISOString()),
      eventOf('m-1', recipient(0, { ...ann, sequence: 1, lastEventId: 'a1' }), T0.toISOString()),
      eventOf('m-1', recipient(0, { ...bob, sequence: 1, lastEventId: 'b1' }), T0.toISOString()),
      eventOf('m-1', recipient(0, { ...bob, sequence: 3, lastEventId: 'b3' }), T0.toISOString()),
    ];
    await store.writeAudit('m-1', events);

    expect(
      (await store.audit.history('m-1', { email: 'bob@example.com' })).map((r) => r.eventId),
    ).toEqual(['b1', 'b2', 'b3']);
    expect((await store.audit.history('m-1')).map((r) => r.eventId)).toEqual([
      'a1',
      'b1',
      'b2',
      'b3',
    ]);
    expect(await store.audit.history('other')).toEqual([]);
  });

  it('refuses an event of another message', async () => {
    const { store } = await freshStore(server);
    const event = eventOf('m-2', recipient(1), T0.toISOString());
    await expect(store.writeAudit('m-1', [event])).rejects.toThrow(/belongs to message m-2/);
  });
});

describe('DynamoStatusStore.createTable', () => {
  it('is idempotent and tableExists sees the table', async () => {
    const { store } = await freshStore(server);
    expect(await store.admin.tableExists()).toBe(true);
    expect(await store.admin.createTable()).toEqual({ created: false });
  });
});
