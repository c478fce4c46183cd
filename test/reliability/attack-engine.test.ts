import { createHash } from 'node:crypto';
import { PutItemCommand, QueryCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient, type PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { statusSnapshot, trackingExpired } from '../../shared/lifecycle/message-events.ts';
import { countByStatus } from '../../shared/lifecycle/policy.ts';
import { EventBridgePublisher } from '../../shared/publisher/eventbridge-publisher.ts';
import { InvalidEventError } from '../../shared/store/errors.ts';
import { replayMessage } from '../../shared/sync/replay.ts';
import { runCycle } from '../../shared/sync/sync-cycle.ts';
import { type Harness, startHarness } from '../support/harness.ts';

const HOUR = 3_600_000;
const DATE = 1_764_230_400;

/** Object.prototype members a provider could send as a status (or an address). */
const PROTOTYPE_NAMES = [
  'constructor',
  'toString',
  'valueOf',
  '__proto__',
  'hasOwnProperty',
  'isPrototypeOf',
  'propertyIsEnumerable',
  'toLocaleString',
  '__defineGetter__',
  '__lookupSetter__',
];

let h: Harness;
let counter = 0;
const newId = (prefix: string) => `${prefix}-${++counter}`;

beforeAll(async () => {
  h = await startHarness({ tableName: 'attack-engine' });
});
afterAll(async () => {
  await h?.close();
});

/** Untracks and flushes whatever earlier tests left due, so each test sees only its messages. */
async function quiet(): Promise<void> {
  h.now += HOUR;
  for (const m of await h.store.listDue(new Date(h.now), { force: true })) {
    await h.store.untrack(m.messageId);
  }
  await runCycle(h.deps(), { force: true });
}

function countsOf(detail: unknown): unknown {
  return (detail as { counts?: unknown } | undefined)?.counts;
}

function onBus(messageId: string, detailType?: string) {
  return h.bus.events.filter(
    (e) => e.detail.messageId === messageId && (!detailType || e.detailType === detailType),
  );
}

describe('finding 1: statuses named after Object.prototype members', () => {
  it('a message whose statuses are Object.prototype names expires with exact counts and leaves the index', async () => {
    await quiet();
    const id = newId('proto');
    const bystander = newId('proto-bystander');
    const statuses = ['Delivered', ...PROTOTYPE_NAMES];
    h.simulator.script(id, [
      {
        kind: 'ok',
        recipients: statuses.map((status, i) => ({
          email: i === 1 ? 'constructor' : `r${i}@x.fr`,
          token: i === 2 ? '__proto__' : `t${i}`,
          status,
          date: DATE,
        })),
      },
    ]);
    h.simulator.script(bystander, [
      { kind: 'ok', recipients: [{ email: 'b@x.fr', token: 'b', status: 'Waiting', date: DATE }] },
    ]);
    await h.store.track(id, { constructor: 'c', __proto__x: 'p' }, new Date(h.now));
    await h.store.track(bystander, {}, new Date(h.now));
    const first = await runCycle(h.deps(), { force: true });
    expect(first.outcomes.find((o) => o.messageId === id)).toMatchObject({
      kind: 'changed',
      changes: statuses.length,
      pending: 0,
    });

    // Past the 48 h window: the pending recipients make it expire.
    h.now += 49 * HOUR;
    const ending = await runCycle(h.deps(), { force: true });
    expect(ending.outcomes.find((o) => o.messageId === id)).toMatchObject({ finished: 'expired' });
    expect(ending.errors).toEqual({});

    const [expired, ...more] = onBus(id, 'MessageTrackingExpired');
    expect(more).toEqual([]);
    const counts = expired?.detail.counts as Record<string, number>;
    // Own keys, one each, `__proto__` included (it used to vanish silently).
    expect(Object.keys(counts).sort()).toEqual([...statuses].sort());
    for (const status of statuses)
      expect(Object.getOwnPropertyDescriptor(counts, status)?.value).toBe(1);
    expect(expired?.detail.pendingCount).toBe(PROTOTYPE_NAMES.length);

    // Ended, flushed, out of the due index; every read of it works.
    const loaded = await h.store.load(id);
    expect(loaded?.message.state).toBe('expired');
    expect(loaded?.outbox).toEqual([]);
    expect(
      (await h.store.listDue(new Date(h.now), { force: true })).map((m) => m.messageId),
    ).not.toContain(id);
    const history = await h.store.audit.history(id);
    expect(history.map((r) => r.detailType)).toContain('MessageTrackingExpired');
    const changes = onBus(id).filter((e) => typeof e.detail.sequence === 'number');
    expect(changes.map((e) => [e.detail.status, e.detail.sequence])).toEqual(
      statuses.map((status) => [status, 1]),
    );
  });

  it('the store refuses an event the catalog refuses before writing it anywhere', async () => {
    await quiet();
    const id = newId('refuse');
    h.simulator.script(id, [
      { kind: 'ok', recipients: [{ email: 'a@x.fr', token: 'a', status: 'Waiting', date: DATE }] },
    ]);
    await h.store.track(id, {}, new Date(h.now));
    await runCycle(h.deps(), { force: true });
    const loaded = await h.store.load(id);
    if (!loaded) throw new Error('not tracked');
    const good = trackingExpired(
      loaded.message,
      [...loaded.recipients.values()],
      [],
      new Date(h.now),
    );
    const bad = {
      ...good,
      detail: { ...good.detail, counts: { constructor: 'function Object() { [native code] }1' } },
    };

    // finish: nothing written, the message stays active, its outbox and history as they were.
    await expect(
      h.store.finish(loaded, 'expired', [bad as typeof good], new Date(h.now)),
    ).rejects.toThrow(InvalidEventError);
    await expect(
      h.store.finish(loaded, 'expired', [bad as typeof good], new Date(h.now)),
    ).rejects.toThrow(/do not match the event catalog.*detail\.counts\.constructor/);
    const after = await h.store.load(id);
    expect(after?.message).toMatchObject({ active: true, state: 'active' });
    expect(after?.outbox).toEqual([]);
    expect((await h.store.audit.history(id)).map((r) => r.detailType)).not.toContain(
      'MessageTrackingExpired',
    );

    // commit: a recipient event with a broken field is refused the same way.
    const [recipient] = [...loaded.recipients.values()];
    if (!recipient) throw new Error('no recipient');
    const event = (await h.store.audit.history(id)).find(
      (r) => r.detailType !== 'MessageTrackingStarted',
    )?.event;
    if (!event) throw new Error('no recipient event');
    const broken = { ...event, detail: { ...event.detail, sequence: 0 } } as typeof event;
    await expect(
      h.store.commit(loaded, {
        changed: new Map([
          [`${recipient.email}|${recipient.token}`, { ...recipient, sequence: 2 }],
        ]),
        events: [broken as never],
        observedAt: new Date(h.now).toISOString(),
      }),
    ).rejects.toThrow(InvalidEventError);
    expect((await h.store.load(id))?.recipients).toEqual(loaded.recipients);

    // track: a started event the catalog refuses is not stored either.
    const other = newId('refuse-track');
    await expect(
      h.store.track(other, {}, new Date(h.now), (m) => ({
        detailType: 'MessageTrackingStarted',
        detail: {
          eventId: 'x',
          messageId: m.messageId,
          metadata: {},
          trackedAt: 'yesterday',
          observedAt: m.trackedAt,
        },
      })),
    ).rejects.toThrow(InvalidEventError);
    expect(await h.store.load(other)).toBeNull();
  });

  it('a message poisoned by an earlier version is read, published, replayed and retired', async () => {
    await quiet();
    const id = newId('poisoned');
    h.simulator.script(id, [
      {
        kind: 'ok',
        recipients: [
          { email: 'a@x.fr', token: 'a', status: 'Delivered', date: DATE },
          { email: 'b@x.fr', token: 'b', status: 'constructor', date: DATE },
          { email: 'c@x.fr', token: 'c', status: 'toString', date: DATE },
        ],
      },
    ]);
    await h.store.track(id, {}, new Date(h.now));
    await runCycle(h.deps(), { force: true });
    const loaded = await h.store.load(id);
    if (!loaded) throw new Error('not tracked');
    h.now += 49 * HOUR;
    const recipients = [...loaded.recipients.values()];
    const pending = recipients.filter((r) => r.status !== 'Delivered');
    const good = trackingExpired(loaded.message, recipients, pending, new Date(h.now));
    // What the old plain-object count made of these statuses.
    const poisoned = {
      ...good,
      detail: {
        ...good.detail,
        counts: {
          Delivered: 1,
          constructor: 'function Object() { [native code] }1',
          toString: 'function toString() { [native code] }1',
        },
      },
    };
    // Write it where the old finish did: META's outbox and the audit trail.
    const pk = { S: `MSG#${id}` };
    await h.dynamo.client().send(
      new UpdateItemCommand({
        TableName: h.tableName,
        Key: { pk, sk: { S: 'META' } },
        UpdateExpression:
          'SET active = :f, #s = :s, finishedAt = :at, outbox = :o, outboxVersion = outboxVersion + :one, dueAt = :at',
        ExpressionAttributeNames: { '#s': 'state' },
        ExpressionAttributeValues: {
          ':f': { BOOL: false },
          ':s': { S: 'expired' },
          ':at': { S: new Date(h.now).toISOString() },
          ':o': { S: JSON.stringify([poisoned]) },
          ':one': { N: '1' },
        },
      }),
    );
    const { auditItem } = await import('../../shared/store/audit-record.ts');
    const item = auditItem(id, good, 90);
    await h.dynamo.client().send(
      new PutItemCommand({
        TableName: h.tableName,
        Item: { ...item, detail: { S: JSON.stringify(poisoned.detail) } },
      }),
    );

    // status / snapshot read it; history rebuilds the event from the recipients.
    const read = await h.store.load(id);
    const expectedCounts = countByStatus(recipients);
    expect(read?.outbox).toHaveLength(1);
    expect(countsOf(read?.outbox[0]?.detail)).toEqual(expectedCounts);
    const history = await h.store.audit.history(id);
    const ending = history.find((r) => r.detailType === 'MessageTrackingExpired');
    expect(countsOf(ending?.event.detail)).toEqual(expectedCounts);
    if (!read) throw new Error('not readable');
    const snap = await h.publisher.publish(
      statusSnapshot(read.message, [...read.recipients.values()], new Date(h.now)),
    );
    expect(snap.failed).toEqual([]);
    // untrack of an ended message changes nothing and does not throw.
    expect((await h.store.untrack(id))?.state).toBe('expired');

    // The next cycle publishes the rebuilt ending and retires the message.
    const cycle = await runCycle(h.deps(), { force: true });
    expect(cycle.errors).toEqual({});
    const published = onBus(id, 'MessageTrackingExpired');
    expect(published.map((e) => e.detail.counts)).toEqual([expectedCounts]);
    expect(published[0]?.detail.eventId).toBe(good.detail.eventId);
    expect(
      (await h.store.listDue(new Date(h.now), { force: true })).map((m) => m.messageId),
    ).not.toContain(id);

    const replay = await replayMessage({ audit: h.store.audit, publisher: h.publisher }, id, null);
    expect(replay).toMatchObject({ failed: 0 });
    expect(replay.accepted).toBe(replay.selected);
  });
});

describe('finding 4: a poll killed while publishing a large outbox', () => {
  it('the next cycle goes on from the last recorded slice: nothing lost, order per recipient kept', async () => {
    await quiet();
    const id = newId('big-outbox');
    const RECIPIENTS = 750;
    // Delivered and unsubscribed at once: two events a recipient (sequence 1, then 2).
    h.simulator.script(id, [
      {
        kind: 'ok',
        recipients: Array.from({ length: RECIPIENTS }, (_, i) => ({
          email: `r${i}@x.fr`,
          token: `t${i}`,
          status: 'Delivered',
          stopMail: true,
          date: DATE,
        })),
      },
    ]);
    await h.store.track(id, {}, new Date(h.now));

    // The real publisher over the local bus, "killed" after 120 PutEvents calls
    // (1,200 of the 1,500 events) in each cycle: the error is one it cannot retry.
    let calls = 0;
    const real = new EventBridgeClient({
      region: 'us-east-1',
      endpoint: h.bus.url,
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    });
    const dying = {
      send: (command: PutEventsCommand) => {
        calls += 1;
        if (calls > 120) return Promise.reject(new Error('poller killed mid-publish'));
        return real.send(command);
      },
    } as unknown as EventBridgeClient;
    const publisher = new EventBridgePublisher({ client: dying, eventBusName: 'default' });
    const seenBefore = h.bus.events.length;

    const first = await runCycle(h.deps({ publisher }), { force: true });
    expect(first.outcomes.find((o) => o.messageId === id)).toMatchObject({ kind: 'error' });
    const left = (await h.store.load(id))?.outbox.length ?? 0;
    // Two slices of 500 recorded; only the one in flight is left (with what followed it).
    expect(left).toBe(2 * RECIPIENTS - 1_000);

    calls = 0;
    const second = await runCycle(h.deps({ publisher }), { force: true });
    expect(second.outcomes.find((o) => o.messageId === id)).toMatchObject({ recovered: left });
    expect((await h.store.load(id))?.outbox).toEqual([]);
    real.destroy();

    const arrived = h.bus.events.slice(seenBefore).filter((e) => e.detail.messageId === id);
    const ids = new Set(arrived.map((e) => e.detail.eventId));
    expect(ids.size).toBe(2 * RECIPIENTS);
    // Per recipient: its first sighting of #1 comes before its first sighting of #2.
    const firstSeen = new Map<string, number>();
    arrived.forEach((e, i) => {
      const key = `${e.detail.email}#${e.detail.sequence}`;
      if (!firstSeen.has(key)) firstSeen.set(key, i);
    });
    for (let i = 0; i < RECIPIENTS; i++) {
      const one = firstSeen.get(`r${i}@x.fr#1`) ?? Number.NaN;
      const two = firstSeen.get(`r${i}@x.fr#2`) ?? Number.NaN;
      expect(one).toBeLessThan(two);
    }
    // At most the slice in flight went out twice.
    expect(arrived.length - ids.size).toBeLessThanOrEqual(500);
  }, 120_000);
});

describe('finding 3: replies the parser accepts but one item or one entry cannot hold', () => {
  /** Letters and digits drawn at random: gzip cannot shrink them much. */
  const noise = (length: number, seed: number) => {
    const bytes = createHash('shake256', { outputLength: length }).update(String(seed)).digest();
    return Array.from(bytes, (b) => 'abcdefghijklmnopqrstuvwxyz0123456789'[b % 36]).join('');
  };
  /** A long but legal address: a 64-character local part, a 250-character domain. */
  const longAddress = (i: number) =>
    `${noise(64, i)}@${[noise(63, i + 1e6), noise(63, i + 2e6), noise(63, i + 3e6), noise(57, i + 4e6)].join('.')}`;

  async function stateChunks(id: string): Promise<number> {
    const out = await h.dynamo.client().send(
      new QueryCommand({
        TableName: h.tableName,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :state)',
        ExpressionAttributeValues: { ':pk': { S: `MSG#${id}` }, ':state': { S: 'STATE#' } },
        Select: 'COUNT',
      }),
    );
    return out.Count ?? 0;
  }

  it('500 recipients with long addresses and tokens: chunks split by size, every change published', async () => {
    await quiet();
    const id = newId('long-rows');
    const rows = (status: string) =>
      Array.from({ length: 500 }, (_, i) => ({
        email: longAddress(i),
        token: noise(300, i + 5e6),
        status,
        date: DATE,
      }));
    h.simulator.script(id, [{ kind: 'ok', recipients: rows('Waiting') }]);
    await h.store.track(id, {}, new Date(h.now));
    const first = await runCycle(h.deps(), { force: true });
    expect(first.outcomes.find((o) => o.messageId === id)).toMatchObject({
      kind: 'changed',
      changes: 500,
      published: 500,
      pending: 0,
    });
    expect(await stateChunks(id)).toBeGreaterThan(1);

    h.simulator.script(id, [{ kind: 'ok', recipients: rows('Delivered') }]);
    h.now += 60_000;
    const second = await runCycle(h.deps(), { force: true });
    expect(second.outcomes.find((o) => o.messageId === id)).toMatchObject({
      kind: 'changed',
      changes: 500,
      published: 500,
    });
    const loaded = await h.store.load(id);
    expect(loaded?.recipients.size).toBe(500);
    expect([...(loaded?.recipients.values() ?? [])].every((r) => r.sequence === 2)).toBe(true);
    expect(onBus(id, 'RecipientDelivered')).toHaveLength(500);
  }, 120_000);

  it('an expiry with 300 long pending rows and 300 distinct 200-character statuses is summarised and published', async () => {
    await quiet();
    const id = newId('huge-ending');
    const COUNT = 300;
    h.simulator.script(id, [
      {
        kind: 'ok',
        recipients: Array.from({ length: COUNT }, (_, i) => ({
          email: longAddress(i + 7e6),
          // As long as the parser takes them: tokens of 512, statuses of 200 characters.
          token: noise(512, i + 8e6),
          status: `Waiting ${noise(192, i + 9e6)}`,
          date: DATE,
        })),
      },
    ]);
    await h.store.track(id, {}, new Date(h.now));
    const first = await runCycle(h.deps(), { force: true });
    expect(first.outcomes.find((o) => o.messageId === id)).toMatchObject({ changes: COUNT });
    h.now += 49 * HOUR;
    const ending = await runCycle(h.deps(), { force: true });
    expect(ending.outcomes.find((o) => o.messageId === id)).toMatchObject({ finished: 'expired' });
    expect(ending.errors).toEqual({});

    const [expired] = onBus(id, 'MessageTrackingExpired');
    const d = expired?.detail as {
      counts: Record<string, number>;
      countsOmitted?: { statuses: number; recipients: number };
      pending: unknown[];
      pendingCount: number;
    };
    expect(Buffer.byteLength(JSON.stringify(d))).toBeLessThan(256 * 1024);
    expect(d.pendingCount).toBe(COUNT);
    expect(d.pending.length).toBeGreaterThan(0);
    expect(d.pending.length).toBeLessThan(COUNT);
    // Every recipient is accounted for: in counts or in countsOmitted.
    const counted = Object.values(d.counts).reduce((a, b) => a + b, 0);
    expect(counted + (d.countsOmitted?.recipients ?? 0)).toBe(COUNT);
    expect(Object.keys(d.counts).length + (d.countsOmitted?.statuses ?? 0)).toBe(COUNT);
    expect(d.countsOmitted?.statuses).toBeGreaterThan(0);
    expect((await h.store.load(id))?.outbox).toEqual([]);
    expect(
      (await h.store.listDue(new Date(h.now), { force: true })).map((m) => m.messageId),
    ).not.toContain(id);
  }, 120_000);
});
