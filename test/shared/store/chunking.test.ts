import { randomBytes } from 'node:crypto';
import { type DynamoDBClient, QueryCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DynamoServer, startDynamoServer } from '../../../local/dynamodb-server.ts';
import type { LoadedMessage } from '../../../shared/domain/tracked-message.ts';
import { recipientKey } from '../../../shared/model.ts';
import type { DynamoStatusStore } from '../../../shared/store/dynamo-status-store.ts';
import { ConcurrentUpdateError, ItemTooLargeError } from '../../../shared/store/errors.ts';
import { CHUNK_RECIPIENTS } from '../../../shared/store/state-chunk.ts';
import { advanced, changesOf, freshStore, range, recipient, T0 } from './fixtures.ts';

let server: DynamoServer;
beforeAll(async () => {
  server = await startDynamoServer();
});
afterAll(async () => {
  await server.close();
});

/** sk, version and recipient count of every state chunk, read straight from the table. */
async function chunkItems(client: DynamoDBClient, store: DynamoStatusStore, messageId: string) {
  const { Items = [] } = await client.send(
    new QueryCommand({
      TableName: store.tableName,
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :state)',
      ExpressionAttributeValues: { ':pk': { S: `MSG#${messageId}` }, ':state': { S: 'STATE#' } },
    }),
  );
  return Items.map((item) => ({
    sk: item.sk?.S,
    version: Number(item.version?.N),
    recipients: Number(item.recipientCount?.N),
  }));
}

async function tracked(store: DynamoStatusStore, messageId: string): Promise<LoadedMessage> {
  await store.track(messageId, {}, T0);
  const loaded = await store.load(messageId);
  if (!loaded) throw new Error(`${messageId} not loaded`);
  return loaded;
}

describe('DynamoStatusStore state chunks', () => {
  it(`spreads 1,200 recipients over 3 chunks of at most ${CHUNK_RECIPIENTS}`, async () => {
    const { store, client, requests } = await freshStore(server);
    const loaded = await tracked(store, 'm-1');
    requests.length = 0;

    const committed = await store.commit(
      loaded,
      changesOf(
        'm-1',
        range(1200).map((i) => recipient(i)),
      ),
    );

    expect(requests.filter((r) => r === 'PutItemCommand')).toHaveLength(3);
    expect(await chunkItems(client, store, 'm-1')).toEqual([
      { sk: 'STATE#00000', version: 1, recipients: 500 },
      { sk: 'STATE#00001', version: 1, recipients: 500 },
      { sk: 'STATE#00002', version: 1, recipients: 200 },
    ]);
    const reloaded = await store.load('m-1');
    expect(reloaded?.recipients).toEqual(committed.recipients);
    expect(reloaded?.recipients.size).toBe(1200);
    expect(reloaded?.outbox.map((e) => e.detail.eventId)).toEqual(
      range(1200).map((i) => `evt-${i}-1`),
    );
  });

  it('keeps every recipient in its chunk; newcomers fill the last chunk, then a new one', async () => {
    const { store, client, requests } = await freshStore(server);
    const loaded = await tracked(store, 'm-1');
    const first = await store.commit(
      loaded,
      changesOf(
        'm-1',
        range(1200).map((i) => recipient(i)),
      ),
    );
    requests.length = 0;

    // Recipient 700 (chunk 1) changes; 350 new ones arrive: 300 fill chunk 2, 50 open chunk 3.
    const second = changesOf('m-1', [
      advanced(recipient(700), 'Delivered'),
      ...range(350, 1200).map((i) => recipient(i)),
    ]);
    await store.commit(first, second);

    // Chunk 0 untouched; only the chunks that changed were written.
    expect(requests.filter((r) => r === 'PutItemCommand')).toHaveLength(3);
    expect(await chunkItems(client, store, 'm-1')).toEqual([
      { sk: 'STATE#00000', version: 1, recipients: 500 },
      { sk: 'STATE#00001', version: 2, recipients: 500 },
      { sk: 'STATE#00002', version: 2, recipients: 500 },
      { sk: 'STATE#00003', version: 1, recipients: 50 },
    ]);
    const reloaded = await store.load('m-1');
    expect(reloaded?.recipients.size).toBe(1550);
    expect(reloaded?.recipients.get(recipientKey(recipient(700)))?.status).toBe('Delivered');
    // Outbox order: chunk by chunk, commit order within a chunk.
    const outbox = reloaded?.outbox.map((e) => e.detail.eventId) ?? [];
    expect(outbox.slice(999, 1002)).toEqual(['evt-999-1', 'evt-700-2', 'evt-1000-1']);
    expect(outbox.at(-1)).toBe('evt-1549-1');
  });

  it('costs 1 Query to load, 1 PutItem to commit and 1 to mark 500 recipients published', async () => {
    const { store, requests } = await freshStore(server);
    const loaded = await tracked(store, 'm-1');
    const states = range(500).map((i) => recipient(i));
    requests.length = 0;
    const first = await store.commit(loaded, changesOf('m-1', states));
    // Every commit first claims the message on META (state version, chunk count).
    expect(requests).toEqual(['UpdateItemCommand', 'PutItemCommand']);

    requests.length = 0;
    const again = await store.load('m-1');
    expect(requests).toEqual(['QueryCommand']);
    expect(again?.recipients.size).toBe(500);

    requests.length = 0;
    const input = changesOf(
      'm-1',
      states.map((s) => advanced(s, 'Delivered')),
    );
    const second = await store.commit(first, input);
    expect(requests).toEqual(['UpdateItemCommand', 'PutItemCommand']);

    requests.length = 0;
    const published = await store.markPublished(
      second,
      second.outbox.map((e) => e.detail.eventId),
    );
    expect(requests).toEqual(['PutItemCommand']);
    expect(published.outbox).toEqual([]);
  });

  it('a commit from a stale version fails on META before writing any chunk', async () => {
    const { store } = await freshStore(server);
    const loaded = await tracked(store, 'm-1');
    const base = await store.commit(
      loaded,
      changesOf(
        'm-1',
        range(600).map((i) => recipient(i)),
      ),
    );
    // Another poller moves chunk 1 only.
    await store.commit(base, changesOf('m-1', [advanced(recipient(550), 'Opened')]));

    const attempt = store.commit(
      base,
      changesOf('m-1', [
        advanced(recipient(1), 'Delivered'),
        advanced(recipient(551), 'Delivered'),
      ]),
    );

    const error = await attempt.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConcurrentUpdateError);
    expect(error).toMatchObject({ failedChunk: 'META', committedChunks: [] });
    expect((error as Error).message).toMatch(/nothing of this commit was written/);
    // Neither chunk took anything of the losing commit.
    const reloaded = await store.load('m-1');
    expect(reloaded?.recipients.get(recipientKey(recipient(1)))?.status).toBe('Sent');
    expect(reloaded?.outbox.map((e) => e.detail.eventId)).not.toContain('evt-1-2');
    expect(reloaded?.recipients.get(recipientKey(recipient(551)))?.status).toBe('Sent');
    expect(reloaded?.outbox.map((e) => e.detail.eventId)).not.toContain('evt-551-2');
  });

  it('splits newcomers by size when 500 of them would not fit one item', async () => {
    const { store, client } = await freshStore(server);
    const loaded = await tracked(store, 'm-1');
    // Random tokens do not compress: 500 × 1 KB, twice (state and event) ≈ 1.3 MB gzipped.
    const hostile = range(500).map((i) =>
      recipient(i, { token: randomBytes(1024).toString('base64') }),
    );
    const committed = await store.commit(loaded, changesOf('m-1', hostile));
    expect(committed.recipients.size).toBe(500);
    expect(committed.outbox).toHaveLength(500);
    const items = await chunkItems(client, store, 'm-1');
    expect(items.length).toBeGreaterThan(1);
    expect(items.reduce((n, c) => n + c.recipients, 0)).toBe(500);
    const after = await store.load('m-1');
    expect(after?.recipients.size).toBe(500);
    expect(after?.outbox.map((e) => e.detail.eventId)).toEqual(
      committed.outbox.map((e) => e.detail.eventId),
    );
  });

  it('refuses, before writing anything, a stored chunk that outgrows an item with no newcomer to move', async () => {
    const { store } = await freshStore(server);
    const loaded = await tracked(store, 'm-1');
    const first = await store.commit(
      loaded,
      changesOf(
        'm-1',
        range(200).map((i) => recipient(i)),
      ),
    );
    const published = await store.markPublished(
      first,
      first.outbox.map((e) => e.detail.eventId),
    );
    // The same 200 recipients, each now with an incompressible 2 KB status.
    const grown = [...published.recipients.values()].map((r) =>
      advanced(r, randomBytes(1536).toString('base64')),
    );
    await expect(store.commit(published, changesOf('m-1', grown))).rejects.toThrow(
      /STATE#00000 of message m-1 would take \d+ KB gzipped, over the store's 350 KB limit/,
    );
    const after = await store.load('m-1');
    expect([...(after?.recipients.values() ?? [])].every((r) => r.sequence === 1)).toBe(true);
    expect(after?.outbox).toEqual([]);
  });

  it('refuses a single hostile recipient too large for any chunk', async () => {
    const { store } = await freshStore(server);
    const loaded = await tracked(store, 'm-1');
    const huge = recipient(0, { status: randomBytes(300 * 1024).toString('base64') });
    await expect(store.commit(loaded, changesOf('m-1', [huge]))).rejects.toThrow(ItemTooLargeError);
    expect((await store.load('m-1'))?.recipients.size).toBe(0);
  });

  it('commits and loads 100,000 recipients in a few seconds', async () => {
    const { store, requests } = await freshStore(server);
    const loaded = await tracked(store, 'big');
    const input = changesOf(
      'big',
      range(100_000).map((i) => recipient(i)),
    );
    requests.length = 0;

    const started = performance.now();
    const committed = await store.commit(loaded, input);
    const commitMs = performance.now() - started;
    const commitRequests = requests.length;
    requests.length = 0;
    const reloaded = await store.load('big');
    const loadMs = performance.now() - started - commitMs;

    expect(commitRequests).toBe(201); // 200 chunks + the chunk count
    expect(requests.every((r) => r === 'QueryCommand')).toBe(true);
    expect(reloaded?.recipients.size).toBe(100_000);
    expect(reloaded?.outbox).toHaveLength(100_000);
    expect(reloaded?.recipients.get(recipientKey(recipient(99_999)))).toEqual(recipient(99_999));
    expect(committed.recipients.size).toBe(100_000);
    console.info(
      `100k recipients: commit ${Math.round(commitMs)} ms, load ${Math.round(loadMs)} ms in ${requests.length} Query request(s)`,
    );
  });
});
