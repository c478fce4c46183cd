/**
 * The local EventBridge endpoint speaks PutEvents as the service does: raw HTTP
 * for the wire details, the real EventBridgeClient for what the SDK sees.
 */
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  type LocalEventBridge,
  type LocalEventBridgeOptions,
  type ReceivedEvent,
  startLocalEventBridge,
} from '../../local/eventbridge-server.ts';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

let server: LocalEventBridge;
let client: EventBridgeClient;

async function restart(options: LocalEventBridgeOptions) {
  client.destroy();
  await server.close();
  await start(options);
}

async function start(options: LocalEventBridgeOptions = {}) {
  server = await startLocalEventBridge(options);
  client = new EventBridgeClient({
    endpoint: server.url,
    region: 'us-east-1',
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    maxAttempts: 1,
  });
}

beforeEach(() => start());

afterEach(async () => {
  client.destroy();
  await server.close();
});

/** One PutEvents request over plain HTTP, headers overridable. */
async function post(body: unknown, headers: Record<string, string> = {}) {
  const response = await fetch(server.url, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-amz-json-1.1',
      'x-amz-target': 'AWSEvents.PutEvents',
      authorization: 'AWS4-HMAC-SHA256 Credential=test/20260301/us-east-1/events/aws4_request',
      ...headers,
    },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  return {
    status: response.status,
    contentType: response.headers.get('content-type'),
    errorType: response.headers.get('x-amzn-errortype'),
    json: (await response.json()) as Record<string, unknown>,
  };
}

const entry = (n: number, extra: Record<string, unknown> = {}) => ({
  Source: 'test.source',
  DetailType: 'Thing',
  Detail: JSON.stringify({ n }),
  ...extra,
});

const putEvents = (entries: Record<string, unknown>[]) =>
  client.send(new PutEventsCommand({ Entries: entries }));

const ns = (events: readonly ReceivedEvent[]) => events.map((e) => e.detail.n);

describe('startLocalEventBridge', () => {
  describe('PutEvents', () => {
    it('accepts entries from the real EventBridgeClient with a fresh EventId each, in order', async () => {
      const output = await putEvents([entry(1), entry(2, { EventBusName: 'default' })]);

      expect(output.FailedEntryCount).toBe(0);
      const eventIds = output.Entries?.map((e) => e.EventId) ?? [];
      expect(eventIds).toHaveLength(2);
      for (const id of eventIds) expect(id).toMatch(UUID);
      expect(new Set(eventIds).size).toBe(2);
      expect(server.events.map((e) => e.eventId)).toEqual(eventIds);
      expect(server.calls).toBe(1);
    });

    it('records each accepted event with its parsed detail, bus, time and call number', async () => {
      await putEvents([
        entry(1, {
          Time: new Date('2026-03-01T10:00:00.250Z'),
          EventBusName: 'default',
          Resources: ['arn:aws:x'],
        }),
      ]);

      expect(server.events[0]).toMatchObject({
        source: 'test.source',
        detailType: 'Thing',
        detail: { n: 1 },
        time: '2026-03-01T10:00:00.250Z',
        eventBusName: 'default',
        resources: ['arn:aws:x'],
        call: 1,
      });
    });

    it('uses the receive time when an entry has no Time', async () => {
      await putEvents([entry(1)]);

      const event = server.events[0];
      expect(event?.time).toBe(event?.receivedAt);
      expect(Date.now() - Date.parse(event?.time ?? '')).toBeLessThan(5_000);
    });

    it('answers application/x-amz-json-1.1 with FailedEntryCount and Entries', async () => {
      const response = await post({ Entries: [entry(1)] });

      expect(response.status).toBe(200);
      expect(response.contentType).toBe('application/x-amz-json-1.1');
      expect(response.json).toEqual({
        FailedEntryCount: 0,
        Entries: [{ EventId: expect.stringMatching(UUID) }],
      });
    });

    it('notifies onEvent listeners until they unsubscribe', async () => {
      const seen: unknown[] = [];
      const unsubscribe = server.onEvent((e) => seen.push(e.detail.n));

      await putEvents([entry(1), entry(2)]);
      unsubscribe();
      await putEvents([entry(3)]);

      expect(seen).toEqual([1, 2]);
      expect(ns(server.events)).toEqual([1, 2, 3]);
    });
  });

  describe('protocol errors', () => {
    it('rejects an unknown target with 400 UnknownOperationException', async () => {
      const response = await post({}, { 'x-amz-target': 'AWSEvents.ListRules' });

      expect(response.status).toBe(400);
      expect(response.contentType).toBe('application/x-amz-json-1.1');
      expect(response.json).toEqual({
        __type: 'UnknownOperationException',
        message: expect.stringContaining('ListRules'),
      });
      expect(server.calls).toBe(0);
    });

    it('rejects a request without X-Amz-Target, or not in AWS JSON 1.1', async () => {
      const noTarget = await post({ Entries: [entry(1)] }, { 'x-amz-target': '' });
      const wrongType = await post({ Entries: [entry(1)] }, { 'content-type': 'application/json' });

      expect(noTarget.json.__type).toBe('UnknownOperationException');
      expect(wrongType.json.__type).toBe('UnknownOperationException');
      expect(server.events).toEqual([]);
    });

    it('rejects an unsigned request with MissingAuthenticationTokenException', async () => {
      const response = await post({ Entries: [entry(1)] }, { authorization: '' });

      expect(response.status).toBe(400);
      expect(response.json.__type).toBe('MissingAuthenticationTokenException');
    });

    it('rejects a body that is not JSON with SerializationException', async () => {
      const response = await post('{not json');

      expect(response.status).toBe(400);
      expect(response.json.__type).toBe('SerializationException');
    });

    it('rejects more than 10 entries, or none, with a whole-call ValidationException', async () => {
      const eleven = Array.from({ length: 11 }, (_, n) => entry(n));

      const raw = await post({ Entries: eleven });
      const none = await post({ Entries: [] });
      const viaSdk = await putEvents(eleven).catch((e: unknown) => e);

      expect(raw.status).toBe(400);
      expect(raw.json.__type).toBe('ValidationException');
      expect(none.json.__type).toBe('ValidationException');
      expect(viaSdk).toMatchObject({
        name: 'ValidationException',
        $metadata: { httpStatusCode: 400 },
      });
      expect(server.events).toEqual([]);
      expect(server.calls).toBe(3);
    });

    it('rejects a call whose entries pass maxPayloadBytes, counted as AWS does', async () => {
      await restart({ maxPayloadBytes: 1_000 });
      // Each entry: 11 (Source) + 5 (DetailType) + 14 (Time) + Detail bytes.
      const detail = (bytes: number) => JSON.stringify({ p: 'x'.repeat(bytes - 8) });
      const atLimit = [
        entry(0, { Time: 1, Detail: detail(470) }),
        entry(0, { Time: 1, Detail: detail(470) }),
      ];
      const overLimit = [atLimit[0], entry(0, { Time: 1, Detail: detail(471) })];

      expect((await post({ Entries: atLimit })).status).toBe(200);
      const over = await post({ Entries: overLimit });
      expect(over.status).toBe(400);
      expect(over.json.__type).toBe('ValidationException');
    });
  });

  describe('per-entry validation', () => {
    it('fails invalid entries one by one, as InvalidArgument or MalformedDetail, and accepts the rest', async () => {
      const output = await putEvents([
        { DetailType: 'Thing', Detail: '{}' },
        entry(1),
        entry(2, { Detail: '[1,2]' }),
        entry(3, { Detail: 'not json' }),
        entry(4, { DetailType: '' }),
        entry(5, { Source: 'aws.ec2' }),
      ]);

      expect(output.FailedEntryCount).toBe(5);
      expect(output.Entries?.map((e) => e.ErrorCode)).toEqual([
        'InvalidArgument',
        undefined,
        'MalformedDetail',
        'MalformedDetail',
        'InvalidArgument',
        'NotAuthorizedForSourceException',
      ]);
      expect(output.Entries?.[0]?.ErrorMessage).toMatch(/Source/);
      expect(output.Entries?.[1]?.EventId).toMatch(UUID);
      expect(ns(server.events)).toEqual([1]);
    });
  });

  describe('buses', () => {
    it('fails the whole call with ResourceNotFoundException for a bus that does not exist', async () => {
      await restart({ buses: ['status-events'] });

      const error = await putEvents([entry(1, { EventBusName: 'nope' })]).catch((e: unknown) => e);

      expect(error).toMatchObject({
        name: 'ResourceNotFoundException',
        message: expect.stringContaining('nope'),
      });
      expect(server.events).toEqual([]);
    });

    it('knows the listed buses by name or ARN, and always the default bus', async () => {
      await restart({ buses: ['status-events'] });

      const output = await putEvents([
        entry(1, { EventBusName: 'status-events' }),
        entry(2, { EventBusName: 'arn:aws:events:us-east-1:123456789012:event-bus/status-events' }),
        entry(3),
      ]);

      expect(output.FailedEntryCount).toBe(0);
      expect(server.events.map((e) => e.eventBusName)).toEqual([
        'status-events',
        'status-events',
        'default',
      ]);
    });

    it('accepts any bus when no list is given', async () => {
      const output = await putEvents([entry(1, { EventBusName: 'anything' })]);

      expect(output.FailedEntryCount).toBe(0);
    });
  });

  describe('failNext', () => {
    it('fails the chosen entries of the next call only, with the given code', async () => {
      server.failNext({ entries: [0, 2], errorCode: 'InternalFailure', errorMessage: 'boom' });

      const first = await putEvents([entry(0), entry(1), entry(2)]);
      const second = await putEvents([entry(3)]);

      expect(first.FailedEntryCount).toBe(2);
      expect(first.Entries?.[0]).toEqual({ ErrorCode: 'InternalFailure', ErrorMessage: 'boom' });
      expect(first.Entries?.[1]?.EventId).toMatch(UUID);
      expect(second.FailedEntryCount).toBe(0);
      expect(ns(server.events)).toEqual([1, 3]);
    });

    it('defaults to ThrottlingException and lasts `times` calls', async () => {
      server.failNext({ entries: [0], times: 2 });

      const outputs = [];
      for (let n = 0; n < 3; n++) outputs.push(await putEvents([entry(n)]));

      expect(outputs.map((o) => o.Entries?.[0]?.ErrorCode)).toEqual([
        'ThrottlingException',
        'ThrottlingException',
        undefined,
      ]);
    });

    it('picks entries by predicate', async () => {
      server.failNext({ entries: (e) => (e.detail as { n: number }).n % 2 === 1 });

      const output = await putEvents([entry(0), entry(1), entry(2), entry(3)]);

      expect(output.FailedEntryCount).toBe(2);
      expect(ns(server.events)).toEqual([0, 2]);
    });

    it('picks a seeded random share of entries, the same for the same seed', async () => {
      const batch = Array.from({ length: 10 }, (_, n) => entry(n));
      const failedIndexes = async (seed: number) => {
        server.failNext({ entries: { rate: 0.5, seed } });
        const output = await putEvents(batch);
        return (output.Entries ?? []).flatMap((e, i) => (e.ErrorCode ? [i] : []));
      };

      const a = await failedIndexes(7);
      const b = await failedIndexes(7);
      server.failNext({ entries: { rate: 0 } });
      const none = await putEvents(batch);
      server.failNext({ entries: { rate: 1 } });
      const all = await putEvents(batch);

      expect(a).toEqual(b);
      expect(a.length).toBeGreaterThan(0);
      expect(a.length).toBeLessThan(10);
      expect(none.FailedEntryCount).toBe(0);
      expect(all.FailedEntryCount).toBe(10);
    });

    it('fails whole calls with the given status and AWS error type', async () => {
      server.failNext({
        call: { status: 503, type: 'ServiceUnavailableException', message: 'down' },
      });

      const response = await post({ Entries: [entry(1)] });

      expect(response.status).toBe(503);
      expect(response.errorType).toBe('ServiceUnavailableException');
      expect(response.json).toEqual({ __type: 'ServiceUnavailableException', message: 'down' });
      expect(server.events).toEqual([]);
      expect(server.calls).toBe(1);
    });

    it('surfaces whole-call throttling to the SDK as ThrottlingException', async () => {
      server.failNext({ call: { status: 400, type: 'ThrottlingException' } });

      const error = await putEvents([entry(1)]).catch((e: unknown) => e);
      const after = await putEvents([entry(2)]);

      expect(error).toMatchObject({ name: 'ThrottlingException' });
      expect(after.FailedEntryCount).toBe(0);
    });

    it('applies plans in the order given', async () => {
      server.failNext({ call: { status: 400, type: 'ThrottlingException' } });
      server.failNext({ entries: [0], errorCode: 'InternalFailure' });

      const first = await putEvents([entry(1)]).catch((e: unknown) => e);
      const second = await putEvents([entry(2)]);

      expect(first).toMatchObject({ name: 'ThrottlingException' });
      expect(second.Entries?.[0]?.ErrorCode).toBe('InternalFailure');
    });
  });
});
