/**
 * The in-process DynamoDB fake used by the fault-injection property test, held to
 * the same answers as a real DynamoDB-API server (dynalite): the same requests go
 * to both and must give the same items, pages and error names. If the fake drifts
 * from DynamoDB, the property test proves nothing; this is what keeps it honest.
 */
import * as sdk from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DynamoServer, startDynamoServer } from '../../local/dynamodb-server.ts';
import { diffRecipients } from '../../shared/diff/diff.ts';
import type { LoadedMessage } from '../../shared/domain/tracked-message.ts';
import type { BulkStatus, RecipientReport } from '../../shared/model.ts';
import { DynamoStatusStore } from '../../shared/store/dynamo-status-store.ts';
import { createTableInput } from '../../shared/store/table.ts';
import { FakeDynamoDB } from '../support/reliability-dynamodb-fake.ts';

let server: DynamoServer;
let real: sdk.DynamoDBClient;
beforeAll(async () => {
  server = await startDynamoServer();
  real = server.client();
});
afterAll(async () => {
  await server.close();
});

let tables = 0;
const S = (value: string) => ({ S: value });
const N = (value: number | string) => ({ N: String(value) });

type Request = { readonly command: string; readonly input: Record<string, unknown> };
type Answer = { readonly ok: unknown } | { readonly error: string };

/** Runs requests in order on a fresh table of each backend; returns both answer lists. */
async function both(requests: (table: string) => readonly Request[]) {
  tables += 1;
  const table = `conf-${process.pid}-${tables}`;
  const fake = new FakeDynamoDB();
  const run = async (send: (r: Request) => Promise<unknown>): Promise<Answer[]> => {
    await send({ command: 'CreateTableCommand', input: { ...createTableInput(table) } });
    const answers: Answer[] = [];
    for (const request of requests(table)) {
      try {
        answers.push({ ok: comparable(await send(request)) });
      } catch (error) {
        answers.push({ error: (error as Error).name });
      }
    }
    return answers;
  };
  const viaFake = await run((r) => fake.execute(r.command, r.input));
  const viaDynalite = await run(async (r) => {
    const Command = (sdk as unknown as Record<string, new (input: unknown) => never>)[r.command];
    if (!Command) throw new Error(`no SDK command ${r.command}`);
    return real.send(new Command(r.input));
  });
  return { viaFake, viaDynalite };
}

/** Outputs without metadata and other fields only one backend fills in. */
function comparable(output: unknown): unknown {
  const o = output as Record<string, unknown>;
  const picked: Record<string, unknown> = {};
  for (const key of ['Item', 'Items', 'Count', 'ScannedCount', 'LastEvaluatedKey', 'Attributes']) {
    if (o[key] !== undefined) picked[key] = o[key];
  }
  const unprocessed = o.UnprocessedItems as Record<string, unknown[]> | undefined;
  if (unprocessed && Object.keys(unprocessed).length > 0) picked.UnprocessedItems = unprocessed;
  return JSON.parse(
    JSON.stringify(picked, (_k, v) =>
      v instanceof Uint8Array ? { bytes: Buffer.from(v).toString('base64') } : v,
    ),
  );
}

const put = (
  table: string,
  item: Record<string, unknown>,
  extra: Record<string, unknown> = {},
) => ({
  command: 'PutItemCommand',
  input: { TableName: table, Item: item, ...extra },
});

describe('in-process DynamoDB fake vs dynalite', () => {
  it.each([
    [
      'conditional puts: attribute_not_exists twice, then #version = :expected right and wrong',
      (t: string) => [
        put(
          t,
          { pk: S('MSG#a'), sk: S('STATE#00000'), version: N(1) },
          {
            ConditionExpression: 'attribute_not_exists(pk)',
          },
        ),
        put(
          t,
          { pk: S('MSG#a'), sk: S('STATE#00000'), version: N(1) },
          {
            ConditionExpression: 'attribute_not_exists(pk)',
          },
        ),
        put(
          t,
          { pk: S('MSG#a'), sk: S('STATE#00000'), version: N(2) },
          {
            ConditionExpression: '#version = :expected',
            ExpressionAttributeNames: { '#version': 'version' },
            ExpressionAttributeValues: { ':expected': N(7) },
          },
        ),
        put(
          t,
          { pk: S('MSG#a'), sk: S('STATE#00000'), version: N(2) },
          {
            ConditionExpression: '#version = :expected',
            ExpressionAttributeNames: { '#version': 'version' },
            ExpressionAttributeValues: { ':expected': N(1) },
            ReturnValues: 'ALL_OLD',
          },
        ),
        {
          command: 'GetItemCommand',
          input: {
            TableName: t,
            Key: { pk: S('MSG#a'), sk: S('STATE#00000') },
            ConsistentRead: true,
          },
        },
      ],
    ],
    [
      'updates: attribute_exists on a missing item, SET/REMOVE of index keys, chunkCount < :n, return values',
      (t: string) => [
        {
          command: 'UpdateItemCommand',
          input: {
            TableName: t,
            Key: { pk: S('MSG#b'), sk: S('META') },
            UpdateExpression: 'SET active = :f',
            ConditionExpression: 'attribute_exists(pk)',
            ExpressionAttributeValues: { ':f': { BOOL: false } },
          },
        },
        put(t, {
          pk: S('MSG#b'),
          sk: S('META'),
          chunkCount: N(0),
          duePk: S('DUE'),
          dueAt: S('2026-01-01T00:00:00.000Z'),
        }),
        {
          command: 'UpdateItemCommand',
          input: {
            TableName: t,
            Key: { pk: S('MSG#b'), sk: S('META') },
            UpdateExpression: 'SET chunkCount = :n',
            ConditionExpression: 'attribute_exists(pk) AND chunkCount < :n',
            ExpressionAttributeValues: { ':n': N(2) },
            ReturnValues: 'UPDATED_OLD',
          },
        },
        {
          command: 'UpdateItemCommand',
          input: {
            TableName: t,
            Key: { pk: S('MSG#b'), sk: S('META') },
            UpdateExpression: 'SET chunkCount = :n',
            ConditionExpression: 'attribute_exists(pk) AND chunkCount < :n',
            ExpressionAttributeValues: { ':n': N(1) },
          },
        },
        {
          command: 'UpdateItemCommand',
          input: {
            TableName: t,
            Key: { pk: S('MSG#b'), sk: S('META') },
            UpdateExpression: 'SET active = :false, lastPolledAt = :p REMOVE #duePk, #dueAt',
            ConditionExpression: 'attribute_exists(#duePk)',
            ExpressionAttributeNames: { '#duePk': 'duePk', '#dueAt': 'dueAt' },
            ExpressionAttributeValues: { ':false': { BOOL: false }, ':p': S('x') },
            ReturnValues: 'ALL_NEW',
          },
        },
        {
          command: 'QueryCommand',
          input: {
            TableName: t,
            IndexName: 'due',
            KeyConditionExpression: '#duePk = :due',
            ExpressionAttributeNames: { '#duePk': 'duePk' },
            ExpressionAttributeValues: { ':due': S('DUE') },
          },
        },
        {
          command: 'UpdateItemCommand',
          input: {
            TableName: t,
            Key: { pk: S('MSG#b'), sk: S('META') },
            UpdateExpression: 'SET n = if_not_exists(n, :zero) + :one',
            ExpressionAttributeValues: { ':zero': N(0), ':one': N(1) },
            ReturnValues: 'UPDATED_NEW',
          },
        },
      ],
    ],
    [
      'queries: sort order across AUDIT#/META/STATE#, sk >= META, begins_with, Limit pages, filter, BETWEEN',
      (t: string) => {
        const items = [
          'STATE#00001',
          'AUDIT#b#000002#e',
          'META',
          'AUDIT#a#000001#e',
          'STATE#00000',
          'Ä',
          'z',
        ];
        const q = (extra: Record<string, unknown>) => ({
          command: 'QueryCommand',
          input: { TableName: t, ExpressionAttributeValues: { ':pk': S('MSG#c') }, ...extra },
        });
        return [
          ...items.map((sk, i) =>
            put(t, { pk: S('MSG#c'), sk: S(sk), email: S(i % 2 ? 'x@y' : 'z@y') }),
          ),
          put(t, { pk: S('MSG#other'), sk: S('META') }),
          q({ KeyConditionExpression: 'pk = :pk' }),
          q({
            KeyConditionExpression: 'pk = :pk AND sk >= :meta',
            ExpressionAttributeValues: { ':pk': S('MSG#c'), ':meta': S('META') },
            ConsistentRead: true,
          }),
          q({
            KeyConditionExpression: 'pk = :pk AND begins_with(sk, :audit)',
            FilterExpression: 'email = :email',
            ExpressionAttributeValues: {
              ':pk': S('MSG#c'),
              ':audit': S('AUDIT#'),
              ':email': S('x@y'),
            },
          }),
          q({ KeyConditionExpression: 'pk = :pk', Limit: 3 }),
          q({
            KeyConditionExpression: 'pk = :pk',
            Limit: 3,
            ExclusiveStartKey: { pk: S('MSG#c'), sk: S('META') },
          }),
          q({ KeyConditionExpression: 'pk = :pk', Limit: 7 }),
          q({ KeyConditionExpression: 'pk = :pk', ScanIndexForward: false, Limit: 2 }),
          q({
            KeyConditionExpression: 'pk = :pk AND sk BETWEEN :a AND :b',
            ExpressionAttributeValues: {
              ':pk': S('MSG#c'),
              ':a': S('META'),
              ':b': S('STATE#00000'),
            },
          }),
          q({
            KeyConditionExpression: 'pk = :pk',
            FilterExpression: 'NOT (email IN (:a, :b)) OR size(email) > :n OR nothing <> :a',
            ExpressionAttributeValues: {
              ':pk': S('MSG#c'),
              ':a': S('x@y'),
              ':b': S('q'),
              ':n': N(3),
            },
          }),
        ];
      },
    ],
    [
      'the due index: sparse, ordered by dueAt, key condition <=, Limit with pages',
      (t: string) => {
        const meta = (id: string, dueAt?: string) =>
          put(t, {
            pk: S(`MSG#${id}`),
            sk: S('META'),
            ...(dueAt ? { duePk: S('DUE'), dueAt: S(dueAt) } : {}),
          });
        const due = (extra: Record<string, unknown>) => ({
          command: 'QueryCommand',
          input: {
            TableName: t,
            IndexName: 'due',
            KeyConditionExpression: '#duePk = :due AND #dueAt <= :now',
            ExpressionAttributeNames: { '#duePk': 'duePk', '#dueAt': 'dueAt' },
            ExpressionAttributeValues: { ':due': S('DUE'), ':now': S('2026-01-01T00:05:00.000Z') },
            ...extra,
          },
        });
        return [
          meta('m3', '2026-01-01T00:03:00.000Z'),
          meta('m1', '2026-01-01T00:01:00.000Z'),
          meta('inactive'),
          meta('m9', '2026-01-01T00:09:00.000Z'),
          meta('m2', '2026-01-01T00:02:00.000Z'),
          due({}),
          due({ Limit: 2 }),
          due({
            Limit: 2,
            ExclusiveStartKey: {
              duePk: S('DUE'),
              dueAt: S('2026-01-01T00:02:00.000Z'),
              pk: S('MSG#m2'),
              sk: S('META'),
            },
          }),
          due({ ConsistentRead: true }),
        ];
      },
    ],
    [
      'validation: unused and undefined placeholders, key updates, empty keys, duplicates, 26-item batches, size',
      (t: string) => [
        put(
          t,
          { pk: S('MSG#d'), sk: S('META') },
          { ExpressionAttributeValues: { ':unused': S('x') } },
        ),
        put(
          t,
          { pk: S('MSG#d'), sk: S('META') },
          { ConditionExpression: 'attribute_not_exists(#nope)' },
        ),
        put(t, { pk: S(''), sk: S('META') }),
        put(t, { pk: S('MSG#d') }),
        put(t, { pk: S('MSG#d'), sk: S('META'), duePk: N(1) }),
        put(t, { pk: S('MSG#d'), sk: S('META'), big: S('x'.repeat(410 * 1024)) }),
        {
          command: 'UpdateItemCommand',
          input: {
            TableName: t,
            Key: { pk: S('MSG#d'), sk: S('META') },
            UpdateExpression: 'SET sk = :v',
            ExpressionAttributeValues: { ':v': S('X') },
          },
        },
        {
          command: 'UpdateItemCommand',
          input: {
            TableName: t,
            Key: { pk: S('MSG#d'), sk: S('META') },
            UpdateExpression: 'SET a = :v, a = :v',
            ExpressionAttributeValues: { ':v': S('X') },
          },
        },
        {
          command: 'BatchWriteItemCommand',
          input: {
            RequestItems: {
              [t]: [
                { PutRequest: { Item: { pk: S('MSG#d'), sk: S('AUDIT#1') } } },
                { PutRequest: { Item: { pk: S('MSG#d'), sk: S('AUDIT#1') } } },
              ],
            },
          },
        },
        {
          command: 'BatchWriteItemCommand',
          input: {
            RequestItems: {
              [t]: Array.from({ length: 26 }, (_, i) => ({
                PutRequest: { Item: { pk: S('MSG#d'), sk: S(`AUDIT#${i}`) } },
              })),
            },
          },
        },
        {
          command: 'BatchWriteItemCommand',
          input: {
            RequestItems: {
              [t]: Array.from({ length: 25 }, (_, i) => ({
                PutRequest: { Item: { pk: S('MSG#d'), sk: S(`AUDIT#${i}`), n: N(i) } },
              })),
            },
          },
        },
        {
          command: 'QueryCommand',
          input: {
            TableName: t,
            KeyConditionExpression: 'pk = :pk AND begins_with(sk, :a)',
            ExpressionAttributeValues: { ':pk': S('MSG#d'), ':a': S('AUDIT#2') },
          },
        },
        {
          command: 'GetItemCommand',
          input: { TableName: t, Key: { pk: S('MSG#none'), sk: S('META') } },
        },
        { command: 'DescribeTableCommand', input: { TableName: `${t}-missing` } },
        {
          command: 'GetItemCommand',
          input: { TableName: `${t}-missing`, Key: { pk: S('a'), sk: S('b') } },
        },
      ],
    ],
  ])('%s', async (_name, requests) => {
    const { viaFake, viaDynalite } = await both(requests);
    expect(viaFake).toEqual(viaDynalite);
    // Both backends answered something real, not only errors.
    expect(viaFake.some((answer) => 'ok' in answer)).toBe(true);
  });

  it('the real store gives the same results on both, through track, commit, publish, audit and polls', async () => {
    const clock = new Date('2026-06-01T10:00:00.000Z');
    const report = (email: string, status: string, stopMail = false): RecipientReport => ({
      email,
      token: `t-${email}`,
      status,
      cost: 1,
      stopMail,
      statusAt: '2026-06-01T09:59:00.000Z',
    });
    const replies: BulkStatus[] = [
      { messageId: 'm-1', recipients: [report('a@x.fr', 'Waiting'), report('b@x.fr', 'Waiting')] },
      {
        messageId: 'm-1',
        recipients: [report('a@x.fr', 'Delivered'), report('b@x.fr', 'Waiting', true)],
      },
      { messageId: 'm-1', recipients: [report('a@x.fr', 'Opened'), report('c@x.fr', 'Bounced')] },
    ];
    const scenario = async (store: DynamoStatusStore) => {
      const log: unknown[] = [];
      const snapshot = (l: LoadedMessage | null) =>
        l && {
          message: l.message,
          recipients: [...l.recipients.entries()],
          outbox: l.outbox.map((e) => e.detail.eventId),
        };
      await store.admin.createTable();
      log.push(await store.track('m-1', { campaign: 'c' }, clock));
      log.push(await store.track('m-2', {}, new Date(clock.getTime() + 1)));
      log.push(await store.track('m-1', { other: 'x' }, clock));
      let loaded = await store.load('m-1');
      for (const [i, reply] of replies.entries()) {
        if (!loaded) throw new Error('m-1 not loaded');
        const observedAt = new Date(clock.getTime() + (i + 1) * 60_000);
        const { changed, events } = diffRecipients(loaded.recipients, reply, {
          messageId: 'm-1',
          metadata: loaded.message.metadata,
          observedAt,
        });
        loaded = await store.commit(loaded, {
          changed,
          events,
          observedAt: observedAt.toISOString(),
        });
        log.push(snapshot(loaded));
        await store.writeAudit('m-1', events);
        loaded = await store.markPublished(
          loaded,
          events.slice(0, 1).map((e) => e.detail.eventId),
        );
        log.push(snapshot(loaded));
        await store.recordPoll('m-1', observedAt, new Date(observedAt.getTime() + 60_000));
        log.push(
          (await store.listDue(new Date(observedAt.getTime() + 30_000))).map((m) => m.messageId),
        );
      }
      log.push(snapshot(await store.load('m-1')));
      log.push((await store.audit.history('m-1')).map((r) => [r.eventId, r.sequence, r.email]));
      log.push((await store.audit.history('m-1', { email: 'a@x.fr' })).length);
      log.push(await store.untrack('m-2'));
      log.push((await store.listDue(clock, { force: true, limit: 5 })).map((m) => m.messageId));
      log.push(await store.load('nope'));
      return log;
    };
    tables += 1;
    const tableName = `conf-store-${process.pid}-${tables}`;
    const fake = new FakeDynamoDB();
    const onFake = await scenario(new DynamoStatusStore({ client: fake.client(), tableName }));
    const onDynalite = await scenario(
      new DynamoStatusStore({ client: server.client(), tableName }),
    );
    expect(onFake).toEqual(onDynalite);
    expect(onFake.length).toBeGreaterThan(10);
  });
});
