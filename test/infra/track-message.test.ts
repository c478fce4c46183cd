/**
 * The TrackMessage function through its real middy chain, against a real
 * DynamoDB-API server (dynalite), the local EventBridge endpoint, and the
 * production store and publisher.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import type { Context, EventBridgeEvent } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createHandler } from '../../functions/track-message.ts';
import { type DynamoServer, startDynamoServer } from '../../local/dynamodb-server.ts';
import { type LocalEventBridge, startLocalEventBridge } from '../../local/eventbridge-server.ts';
import { TrackMessageRejectedError } from '../../runtime/track-request.ts';
import { EventBridgePublisher } from '../../shared/publisher/eventbridge-publisher.ts';
import { DynamoStatusStore } from '../../shared/store/dynamo-status-store.ts';

const NOW = new Date('2026-11-27T09:00:00Z');
let dynamo: DynamoServer;
let bus: LocalEventBridge;
let store: DynamoStatusStore;
let publisher: EventBridgePublisher;
let eventBridge: EventBridgeClient;
let counter = 0;

beforeAll(async () => {
  dynamo = await startDynamoServer();
  // Only the default bus exists: publishing elsewhere fails as a deleted bus would.
  bus = await startLocalEventBridge({ buses: [] });
  store = new DynamoStatusStore({ client: dynamo.client(), tableName: 'track-test' });
  await store.admin.createTable();
  eventBridge = new EventBridgeClient({
    region: 'us-east-1',
    endpoint: bus.url,
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  publisher = new EventBridgePublisher({
    client: eventBridge,
    eventBusName: 'default',
    minBackoffMs: 1,
    maxAttempts: 2,
  });
});
afterAll(async () => {
  eventBridge?.destroy();
  await bus?.close();
  await dynamo?.close();
});

function setup(storeOverride: DynamoStatusStore = store, publisherOverride = publisher) {
  vi.stubEnv('POWERTOOLS_METRICS_DISABLED', 'true');
  const metrics = new Metrics({ namespace: 'MailPartnerStatusSync', serviceName: 'track-message' });
  vi.unstubAllEnvs();
  const added: string[] = [];
  vi.spyOn(metrics, 'addMetric').mockImplementation((name) => {
    added.push(name);
    return metrics;
  });
  const handler = createHandler({
    sync: { store: storeOverride, publisher: publisherOverride },
    clock: () => NOW,
    logger: new Logger({ logLevel: 'SILENT' }),
    metrics,
  });
  return { handler, added };
}

function trackEvent(
  detail: unknown,
  detailType = 'TrackMessage',
): EventBridgeEvent<string, unknown> {
  counter += 1;
  return {
    version: '0',
    id: `evt-${counter}`,
    'detail-type': detailType,
    source: 'mailpartner.status-sync.client',
    account: '111122223333',
    time: NOW.toISOString(),
    region: 'eu-west-1',
    resources: [],
    detail,
  };
}

const context = {
  functionName: 'track-message',
  functionVersion: '$LATEST',
  invokedFunctionArn: 'arn:aws:lambda:eu-west-1:111122223333:function:track-message',
  memoryLimitInMB: '256',
  awsRequestId: 'req-1',
  logGroupName: '/aws/lambda/track-message',
  logStreamName: 'stream',
  callbackWaitsForEmptyEventLoop: true,
  getRemainingTimeInMillis: () => 30_000,
  done: () => undefined,
  fail: () => undefined,
  succeed: () => undefined,
} as Context;

const newId = () => `msg-${++counter}`;

describe('the TrackMessage handler', () => {
  it('starts tracking a message with its metadata, due at once', async () => {
    const { handler, added } = setup();
    const messageId = newId();

    const result = await handler(
      trackEvent({ messageId, metadata: { campaign: 'spring' } }),
      context,
    );

    expect(result).toEqual({
      messageId,
      created: true,
      announced: true,
      trackedAt: NOW.toISOString(),
    });
    const loaded = await store.load(messageId);
    expect(loaded?.message).toMatchObject({
      messageId,
      metadata: { campaign: 'spring' },
      active: true,
      nextPollAt: NOW.toISOString(),
    });
    expect((await store.listDue(NOW)).map((m) => m.messageId)).toContain(messageId);
    expect(added).toEqual(['MessagesTracked']);
    const started = bus.events.filter((e) => e.detail.messageId === messageId);
    expect(started.map((e) => [e.source, e.detailType, e.detail.metadata])).toEqual([
      ['mailpartner.status-sync', 'MessageTrackingStarted', { campaign: 'spring' }],
    ]);
  });

  it('still tracks when the bus refuses the announcement: it waits in the outbox', async () => {
    const nowhere = new EventBridgePublisher({ client: eventBridge, eventBusName: 'deleted-bus' });
    const { handler } = setup(store, nowhere);
    const messageId = newId();

    const result = await handler(trackEvent({ messageId }), context);

    expect(result).toMatchObject({ created: true, announced: false });
    expect((await store.load(messageId))?.outbox.map((e) => e.detailType)).toEqual([
      'MessageTrackingStarted',
    ]);
  });

  it('accepts a message without metadata', async () => {
    const { handler } = setup();
    const messageId = newId();
    await handler(trackEvent({ messageId }), context);
    expect((await store.load(messageId))?.message.metadata).toEqual({});
  });

  it('changes nothing when the same event comes again (retry or replay)', async () => {
    const { handler } = setup();
    const messageId = newId();
    await handler(trackEvent({ messageId, metadata: { campaign: 'spring' } }), context);

    const again = await handler(
      trackEvent({ messageId, metadata: { campaign: 'autumn' } }),
      context,
    );

    expect(again.created).toBe(false);
    expect((await store.load(messageId))?.message.metadata).toEqual({ campaign: 'spring' });
  });

  it('rejects an event without messageId, naming the field and the expected shape', async () => {
    const { handler, added } = setup();
    const event = trackEvent({ messageID: 'typo' });

    const error = await handler(event, context).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(TrackMessageRejectedError);
    expect((error as Error).message).toMatch(
      new RegExp(`^TrackMessage event ${event.id} rejected: detail\\.messageId: `),
    );
    expect((error as Error).message).toContain('"messageId": "<MailPartner messageId>"');
    expect(added).toEqual(['TrackRequestsRejected']);
  });

  it('rejects metadata that is not all strings, naming the key', async () => {
    const { handler } = setup();
    const messageId = newId();
    await expect(
      handler(trackEvent({ messageId, metadata: { campaign: 'spring', batch: 7 } }), context),
    ).rejects.toThrow(/detail\.metadata\.batch: /);
    expect(await store.load(messageId)).toBeNull();
  });

  it("rejects what the store refuses, with the store's reason", async () => {
    const { handler } = setup();
    await expect(handler(trackEvent({ messageId: 'a\nb' }), context)).rejects.toThrow(
      /rejected: messageId must not contain control characters/,
    );
    await expect(handler(trackEvent({ messageId: 'x'.repeat(300) }), context)).rejects.toThrow(
      TrackMessageRejectedError,
    );
  });

  it('rejects an event of another detail-type', async () => {
    const { handler } = setup();
    await expect(
      handler(trackEvent({ messageId: newId() }, 'RecipientDelivered'), context),
    ).rejects.toThrow(/detail-type is "RecipientDelivered", expected "TrackMessage"/);
  });

  it('lets a store failure through as itself, so Lambda retries the event', async () => {
    const missing = new DynamoStatusStore({ client: dynamo.client(), tableName: 'no-such-table' });
    const { handler, added } = setup(missing);

    const error = await handler(trackEvent({ messageId: newId() }), context).catch(
      (e: unknown) => e,
    );

    expect(error).not.toBeInstanceOf(TrackMessageRejectedError);
    expect((error as Error).name).toBe('TableNotFoundError');
    expect(added).toEqual([]);
  });
});

describe('the TrackMessage handler and send times', () => {
  it('takes a scheduled sendAt and applies the commercial hold to it', async () => {
    const { handler } = setup();
    const messageId = newId();
    // Sunday 29 November 2026 10:00 in Paris: held until Monday 08:00.
    await handler(trackEvent({ messageId, sendAt: '2026-11-29T10:00:00+01:00' }), context);
    expect((await store.load(messageId))?.message).toMatchObject({
      sendAt: '2026-11-29T09:00:00.000Z',
      expectedSendAt: '2026-11-30T07:00:00.000Z',
      sendReason: 'held',
    });
  });

  it('rejects a sendAt without an offset', async () => {
    const { handler } = setup();
    await expect(
      handler(trackEvent({ messageId: newId(), sendAt: '2026-11-29T10:00:00' }), context),
    ).rejects.toThrow(/detail\.sendAt/);
  });

  it('restarts an ended message for a new request, not for an old one replayed', async () => {
    const { handler } = setup();
    const messageId = newId();
    await handler(trackEvent({ messageId }), context);
    // Ended one minute after NOW.
    await store.untrack(messageId, new Date(NOW.getTime() + 60_000));
    const replayed = await handler(trackEvent({ messageId }), context);
    expect(replayed.created).toBe(false);
    const fresh = {
      ...trackEvent({ messageId }),
      time: new Date(NOW.getTime() + 120_000).toISOString(),
    };
    const restarted = await handler(fresh, context);
    expect(restarted.created).toBe(true);
    expect((await store.load(messageId))?.message).toMatchObject({ active: true, state: 'active' });
  });
});
