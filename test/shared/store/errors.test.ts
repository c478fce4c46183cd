/**
 * Fault paths. Table-level faults run against the loopback server; faults a
 * local server cannot produce on demand (throttling, unprocessed batch items)
 * use a mocked client.
 */
import {
  BatchWriteItemCommand,
  DescribeTableCommand,
  DynamoDBClient,
  ProvisionedThroughputExceededException,
  PutItemCommand,
  QueryCommand,
} from '@aws-sdk/client-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DynamoServer, startDynamoServer } from '../../../local/dynamodb-server.ts';
import { DynamoStatusStore } from '../../../shared/store/dynamo-status-store.ts';
import {
  CorruptItemError,
  ItemTooLargeError,
  StoreError,
  StoreThrottledError,
  TableNotFoundError,
} from '../../../shared/store/errors.ts';
import { changesOf, eventOf, freshStore, range, recipient, T0 } from './fixtures.ts';

let server: DynamoServer;
beforeAll(async () => {
  server = await startDynamoServer();
});
afterAll(async () => {
  await server.close();
});

function mockedStore() {
  const client = new DynamoDBClient({
    region: 'us-east-1',
    credentials: { accessKeyId: 'x', secretAccessKey: 'x' },
  });
  const mock = mockClient(client);
  const sleeps: number[] = [];
  const store = new DynamoStatusStore({
    client,
    tableName: 'status',
    sleep: async (ms) => {
      sleeps.push(ms);
    },
  });
  return { store, mock, sleeps };
}

function awsError(name: string, message = name): Error {
  return Object.assign(new Error(message), { name, $metadata: {} });
}

describe('DynamoStatusStore on a missing table', () => {
  it('throws TableNotFoundError telling how to create the table', async () => {
    const store = new DynamoStatusStore({ client: server.client(), tableName: 'nowhere' });
    const error = await store.load('m-1').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TableNotFoundError);
    expect(error).toMatchObject({
      name: 'TableNotFoundError',
      message:
        'DynamoDB table nowhere not found: run `status-sync init` (local) or deploy the stack',
    });
    expect((error as Error).cause).toMatchObject({ name: 'ResourceNotFoundException' });
    await expect(store.track('m-1', {}, T0)).rejects.toThrow(TableNotFoundError);
    await expect(store.listDue(T0)).rejects.toThrow(TableNotFoundError);
    expect(await store.admin.tableExists()).toBe(false);
  });
});

describe('DynamoStatusStore on corrupt items', () => {
  it('names the chunk whose data is not gzipped JSON', async () => {
    const { store, client } = await freshStore(server);
    await store.track('m-1', {}, T0);
    await client.send(
      new PutItemCommand({
        TableName: store.tableName,
        Item: {
          pk: { S: 'MSG#m-1' },
          sk: { S: 'STATE#00000' },
          version: { N: '1' },
          data: { B: new TextEncoder().encode('not gzip') },
          observedAt: { S: T0.toISOString() },
        },
      }),
    );
    await expect(store.load('m-1')).rejects.toThrow(CorruptItemError);
    await expect(store.load('m-1')).rejects.toThrow(
      'State chunk STATE#00000 of message m-1 is corrupt: not gzipped JSON',
    );
  });

  it('names the attribute of a META item that has the wrong type', async () => {
    const { store, client } = await freshStore(server);
    await client.send(
      new PutItemCommand({
        TableName: store.tableName,
        Item: { pk: { S: 'MSG#m-1' }, sk: { S: 'META' }, messageId: { N: '1' } },
      }),
    );
    await expect(store.load('m-1')).rejects.toThrow(
      'Stored item MSG#m-1/META is corrupt: attribute "messageId" is not a string',
    );
  });

  it('refuses a LoadedMessage the store did not produce', async () => {
    const { store } = await freshStore(server);
    await store.track('m-1', {}, T0);
    const loaded = await store.load('m-1');
    if (!loaded) throw new Error('not loaded');
    const forged = { ...loaded, version: 3 };
    await expect(store.commit(forged, changesOf('m-1', [recipient(0)]))).rejects.toThrow(
      /not loaded by the DynamoDB store/,
    );
  });
});

describe('DynamoStatusStore.writeAudit under pressure', () => {
  const events = range(30).map((i) => eventOf('m-1', recipient(i), T0.toISOString()));

  it('retries unprocessed items with backoff until DynamoDB takes them', async () => {
    const { store, mock, sleeps } = mockedStore();
    let dropped: unknown[] | undefined;
    mock.on(BatchWriteItemCommand).callsFake((input) => {
      const requests = input.RequestItems.status;
      // The full batch loses its last 5 items, once.
      if (!dropped && requests.length === 25) {
        dropped = requests.slice(20);
        return { UnprocessedItems: { status: dropped } };
      }
      return { UnprocessedItems: {} };
    });

    await store.writeAudit('m-1', events);

    const calls = mock.commandCalls(BatchWriteItemCommand).map((c) => c.args[0].input);
    expect(calls.map((c) => c.RequestItems?.status?.length).sort()).toEqual([25, 5, 5]);
    expect(calls.at(-1)?.RequestItems?.status).toEqual(dropped);
    expect(sleeps).toEqual([50]);
  });

  it('gives up after 8 attempts with StoreThrottledError, backing off exponentially', async () => {
    const { store, mock, sleeps } = mockedStore();
    mock.on(BatchWriteItemCommand).callsFake((input) => ({ UnprocessedItems: input.RequestItems }));

    const error = await store.writeAudit('m-1', events.slice(0, 10)).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(StoreThrottledError);
    expect((error as Error).message).toMatch(
      /10 audit record\(s\) of message m-1 unprocessed after 8 attempts/,
    );
    expect(mock.commandCalls(BatchWriteItemCommand)).toHaveLength(8);
    expect(sleeps).toEqual([50, 100, 200, 400, 800, 1600, 2000]);
  });
});

describe('DynamoStatusStore error translation', () => {
  it.each([
    ['ProvisionedThroughputExceededException'],
    ['ThrottlingException'],
    ['RequestLimitExceeded'],
  ])('turns %s into StoreThrottledError with the SDK error as cause', async (name) => {
    const { store, mock } = mockedStore();
    const sdkError =
      name === 'ProvisionedThroughputExceededException'
        ? new ProvisionedThroughputExceededException({ message: 'slow down', $metadata: {} })
        : awsError(name);
    mock.on(QueryCommand).rejects(sdkError);

    const error = await store.load('m-1').catch((e: unknown) => e);

    expect(error).toBeInstanceOf(StoreThrottledError);
    expect(error).toBeInstanceOf(StoreError);
    expect(error).toMatchObject({ name: 'StoreThrottledError', cause: sdkError });
    expect((error as Error).message).toContain('loading message m-1');
  });

  it("turns DynamoDB's item size refusal into ItemTooLargeError", async () => {
    const { store, mock } = mockedStore();
    mock.on(QueryCommand).resolves({
      Items: [
        {
          pk: { S: 'MSG#m-1' },
          sk: { S: 'META' },
          messageId: { S: 'm-1' },
          metadata: { M: {} },
          trackedAt: { S: T0.toISOString() },
          nextPollAt: { S: T0.toISOString() },
          active: { BOOL: true },
          chunkCount: { N: '0' },
        },
      ],
    });
    mock
      .on(PutItemCommand)
      .rejects(awsError('ValidationException', 'Item size has exceeded the maximum allowed size'));
    const loaded = await store.load('m-1');
    if (!loaded) throw new Error('not loaded');

    await expect(store.commit(loaded, changesOf('m-1', [recipient(0)]))).rejects.toThrow(
      ItemTooLargeError,
    );
  });

  it('rethrows errors it does not understand untouched', async () => {
    const { store, mock } = mockedStore();
    const denied = awsError('AccessDeniedException', 'not allowed');
    mock.on(QueryCommand).rejects(denied);
    await expect(store.listDue(T0)).rejects.toBe(denied);
  });
});

describe('DynamoStatusStore.createTable', () => {
  it('waits until the table and its index are ACTIVE', async () => {
    const { store, mock, sleeps } = mockedStore();
    mock
      .on(DescribeTableCommand)
      .resolvesOnce({ Table: { TableStatus: 'CREATING' } })
      .resolvesOnce({
        Table: {
          TableStatus: 'ACTIVE',
          GlobalSecondaryIndexes: [{ IndexName: 'due', IndexStatus: 'CREATING' }],
        },
      })
      .resolves({
        Table: {
          TableStatus: 'ACTIVE',
          GlobalSecondaryIndexes: [{ IndexName: 'due', IndexStatus: 'ACTIVE' }],
        },
      });

    expect(await store.admin.createTable()).toEqual({ created: true });
    expect(mock.commandCalls(DescribeTableCommand)).toHaveLength(3);
    expect(sleeps).toEqual([1000, 1000]);
  });
});
