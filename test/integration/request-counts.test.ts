/**
 * Exact AWS request counts of one sync, for a 500-recipient message unchanged
 * and with all 500 recipients changed (the figures the README and the
 * benchmark report). Counted by SDK middleware on real clients over loopback.
 */
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lifecyclePolicy } from '../../shared/lifecycle/policy.ts';
import { checkedPublication } from '../../shared/privacy/checked-publication.ts';
import { oncePer } from '../../shared/privacy/publish-as.ts';
import { EventBridgePublisher } from '../../shared/publisher/eventbridge-publisher.ts';
import { DynamoStatusStore } from '../../shared/store/dynamo-status-store.ts';
import { DynamoPublicationRecord } from '../../shared/store/publication-record.ts';
import { DynamoTombstones } from '../../shared/store/tombstones.ts';
import { syncMessage } from '../../shared/sync/sync-message.ts';
import { type Harness, startHarness } from '../support/harness.ts';

let h: Harness;
const calls: string[] = [];
let store: DynamoStatusStore;
let publisher: EventBridgePublisher;

function count(client: { middlewareStack: { add: (...args: never[]) => void } }): void {
  const add = client.middlewareStack.add as unknown as (
    mw: (
      next: (a: unknown) => Promise<unknown>,
      ctx: { commandName?: string },
    ) => (a: unknown) => Promise<unknown>,
    o: { step: string; name: string },
  ) => void;
  add(
    (next, ctx) => async (args) => {
      calls.push(String(ctx.commandName));
      return next(args);
    },
    { step: 'initialize', name: 'countRequests' },
  );
}

beforeAll(async () => {
  h = await startHarness({ tableName: 'counts-test' });
  const dynamo = h.dynamo.client();
  count(dynamo);
  store = new DynamoStatusStore({ client: dynamo, tableName: 'counts-test' });
  const eventBridge = new EventBridgeClient({
    region: 'us-east-1',
    endpoint: h.bus.url,
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  count(eventBridge);
  publisher = new EventBridgePublisher({ client: eventBridge, eventBusName: 'default' });
});
afterAll(async () => {
  await h?.close();
});

const recipients = (status: string) =>
  Array.from({ length: 500 }, (_, i) => ({
    email: `r${i}@x.fr`,
    token: `t${i}`,
    status,
    date: 1_764_237_600,
  }));

function tally(): Record<string, number> {
  // Keys absent from the result were not called at all.
  const t: Record<string, number> = {};
  for (const c of calls.splice(0)) t[c] = (t[c] ?? 0) + 1;
  return t;
}

describe('AWS requests per sync of a 500-recipient message', () => {
  it('counts them exactly: first sight, unchanged, all changed', async () => {
    h.simulator.script('big', [
      { kind: 'ok', recipients: recipients('Waiting') },
      { kind: 'ok', recipients: recipients('Waiting') },
      { kind: 'ok', recipients: recipients('Delivered') },
    ]);
    await store.track('big', {}, new Date(h.now));
    const deps = { ...h.deps({ store, publisher }), policy: lifecyclePolicy() };
    tally();

    await syncMessage(deps, 'big'); // first sight: 500 events
    const first = tally();
    expect(first).toEqual({
      QueryCommand: 1,
      PutItemCommand: 2, // the chunk with its outbox, then the chunk without it
      UpdateItemCommand: 2, // the claim on META (state version, chunk count), then the poll
      BatchWriteItemCommand: 20, // 500 audit records / 25
      PutEventsCommand: 50, // 500 events / 10
    });

    await syncMessage(deps, 'big'); // unchanged
    expect(tally()).toEqual({ QueryCommand: 1, UpdateItemCommand: 1 });

    await syncMessage(deps, 'big'); // all 500 changed
    const changed = tally();
    expect(changed).toEqual({
      QueryCommand: 1,
      PutItemCommand: 2,
      UpdateItemCommand: 2,
      BatchWriteItemCommand: 20,
      PutEventsCommand: 50,
    });
    const n = (k: string) => changed[k] ?? 0;
    const writes = n('PutItemCommand') + n('UpdateItemCommand') + n('BatchWriteItemCommand');
    console.info(
      `500 changed: ${writes} DynamoDB write requests (${(writes / 500).toFixed(3)} per change), ` +
        `${n('PutEventsCommand')} PutEvents (${(n('PutEventsCommand') / 500).toFixed(2)} per change); ` +
        'unchanged: 1 Query + 1 UpdateItem (the schedule), no PutEvents',
    );
  });
});

describe('the privacy reads of a cycle (issue 13)', () => {
  it('cost one tombstone Query per cycle and one read of the publication form per process, whatever the messages', async () => {
    h.simulator.script('p-a', [{ kind: 'ok', recipients: recipients('Waiting').slice(0, 3) }]);
    h.simulator.script('p-b', [{ kind: 'ok', recipients: recipients('Waiting').slice(3, 6) }]);
    await store.track('p-a', {}, new Date(h.now));
    await store.track('p-b', {}, new Date(h.now));
    const dynamo = h.dynamo.client();
    count(dynamo);
    const table = { client: dynamo, tableName: 'counts-test' };
    const publication = checkedPublication({
      salt: async () => null,
      record: new DynamoPublicationRecord(table),
      clock: () => new Date(h.now),
    });
    const tombstones = new DynamoTombstones(table);
    // As runtime.syncDeps() builds it: one memoised read per cycle's deps.
    const cycleDeps = () => ({
      ...h.deps({ store, publisher }),
      forgotten: oncePer(async () => {
        const current = await publication.forWriting();
        const keys = await tombstones.keys();
        return (email: string) => keys.has(current.recipientKey(email));
      }),
    });
    const plainDeps = { ...h.deps({ store, publisher }) };
    await syncMessage(plainDeps, 'p-a'); // first sight: commits and publishes
    await syncMessage(plainDeps, 'p-b');
    tally();
    await syncMessage(plainDeps, 'p-a'); // unchanged, without the privacy reads
    await syncMessage(plainDeps, 'p-b');
    const without = tally();
    expect(without).toEqual({ QueryCommand: 2, UpdateItemCommand: 2 });

    const first = cycleDeps();
    await syncMessage(first, 'p-a');
    await syncMessage(first, 'p-b');
    // First cycle of the process: the form is claimed (GetItem finds none, PutItem records it).
    expect(tally()).toEqual(
      add(without, { QueryCommand: 1, GetItemCommand: 1, PutItemCommand: 1 }),
    );
    const second = cycleDeps();
    await syncMessage(second, 'p-a');
    await syncMessage(second, 'p-b');
    // Later cycles: the tombstone Query only (the verified form is remembered).
    expect(tally()).toEqual(add(without, { QueryCommand: 1 }));
  });
});

/** `base` plus `extra`, per command. */
function add(base: Record<string, number>, extra: Record<string, number>): Record<string, number> {
  const out = { ...base };
  for (const [k, n] of Object.entries(extra)) out[k] = (out[k] ?? 0) + n;
  return out;
}
