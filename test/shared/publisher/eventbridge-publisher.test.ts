/**
 * The publisher against the local EventBridge endpoint, through the real
 * EventBridgeClient over loopback. Fault paths are injected in the server.
 */
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  type LocalEventBridge,
  type ReceivedEvent,
  startLocalEventBridge,
} from '../../../local/eventbridge-server.ts';
import {
  type CatalogEvent,
  EVENT_SOURCE,
  type RecipientEvent,
  type RecipientEventDetail,
} from '../../../shared/catalog/events.ts';
import {
  EventBusNotFoundError,
  InvalidCatalogEventError,
  PublishAccessDeniedError,
  PublisherError,
} from '../../../shared/publisher/errors.ts';
import {
  EventBridgePublisher,
  type EventBridgePublisherOptions,
} from '../../../shared/publisher/eventbridge-publisher.ts';

const BUS = 'status-events';

/** A valid catalog event; `n` makes its eventId, email and statusAt unique. */
function recipientEvent(
  n: number,
  detail: Partial<RecipientEventDetail> = {},
  detailType: RecipientEvent['detailType'] = 'RecipientDelivered',
): CatalogEvent {
  return {
    detailType,
    detail: {
      eventId: `evt-${n}`,
      messageId: 'msg-1',
      email: `recipient-${n}@example.com`,
      token: `tok-${n}`,
      status: 'Delivered',
      previousStatus: 'Sent',
      cost: 0.05,
      stopMail: false,
      statusAt: new Date(Date.UTC(2026, 2, 1, 10, 0, n)).toISOString(),
      observedAt: '2026-03-01T10:05:00.000Z',
      sequence: 2,
      metadata: {},
      ...detail,
    },
  };
}

function recipientEvents(count: number, detail: Partial<RecipientEventDetail> = {}) {
  return Array.from({ length: count }, (_, n) => recipientEvent(n, detail));
}

const ids = (events: readonly { detail: { eventId: string } }[]) =>
  events.map((e) => e.detail.eventId);
const receivedIds = (events: readonly ReceivedEvent[]) =>
  events.map((e) => (e.detail as { eventId: string }).eventId);
const entriesPerCall = (events: readonly ReceivedEvent[]) => {
  const counts = new Map<number, number>();
  for (const e of events) counts.set(e.call, (counts.get(e.call) ?? 0) + 1);
  return [...counts.values()];
};

let server: LocalEventBridge;
let client: EventBridgeClient;
let sleeps: number[];

async function startServer(options: Parameters<typeof startLocalEventBridge>[0] = {}) {
  server = await startLocalEventBridge({ buses: [BUS], ...options });
  client = new EventBridgeClient({
    endpoint: server.url,
    region: 'us-east-1',
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    // The SDK's own retries would hide ours: every call counted is one of ours.
    maxAttempts: 1,
  });
}

function publisher(options: Partial<EventBridgePublisherOptions> = {}) {
  return new EventBridgePublisher({
    client,
    eventBusName: BUS,
    sleep: async (ms) => {
      sleeps.push(ms);
    },
    random: () => 1,
    ...options,
  });
}

beforeEach(async () => {
  sleeps = [];
  await startServer();
});

afterEach(async () => {
  client.destroy();
  await server.close();
});

describe('EventBridgePublisher', () => {
  describe('entries', () => {
    it('puts each event as one entry: catalog source, detail-type, JSON detail, the bus', async () => {
      const event = recipientEvent(1, { metadata: { campaign: 'spring' } }, 'RecipientOpened');

      const result = await publisher().publish([event]);

      expect(result).toEqual({ accepted: ['evt-1'], failed: [] });
      expect(server.events).toHaveLength(1);
      expect(server.events[0]).toMatchObject({
        source: EVENT_SOURCE,
        detailType: 'RecipientOpened',
        detail: event.detail,
        eventBusName: BUS,
        resources: [],
      });
    });

    it('sets Time to the status time, offset and milliseconds included', async () => {
      const event = recipientEvent(1, { statusAt: '2026-03-01T12:34:56.789+02:00' });

      await publisher().publish([event]);

      expect(server.events[0]?.time).toBe('2026-03-01T10:34:56.789Z');
    });

    it('makes no call for no event', async () => {
      await expect(publisher().publish([])).resolves.toEqual({ accepted: [], failed: [] });
      expect(server.calls).toBe(0);
    });
  });

  describe('batching', () => {
    it('sends 25 events in 3 calls of at most 10, in input order', async () => {
      const events = recipientEvents(25);

      const result = await publisher().publish(events);

      expect(server.calls).toBe(3);
      expect(entriesPerCall(server.events)).toEqual([10, 10, 5]);
      expect(receivedIds(server.events)).toEqual(ids(events));
      expect(result.accepted).toEqual(ids(events));
      expect(result.failed).toEqual([]);
    });

    it('cuts batches earlier when large details would pass 256 KiB (the default limit)', async () => {
      await server.close();
      await startServer({ maxPayloadBytes: 262_144 });
      // About 60 KB each: four fit in 256 KiB, five do not.
      const events = recipientEvents(10, { metadata: { notes: 'x'.repeat(60_000) } });

      const result = await publisher().publish(events);

      expect(entriesPerCall(server.events)).toEqual([4, 4, 2]);
      expect(result.accepted).toEqual(ids(events));
    });

    it('counts UTF-8 bytes, not characters, towards the limit', async () => {
      await server.close();
      await startServer({ maxPayloadBytes: 262_144 });
      // 40,000 characters but 80,000 bytes each: three fit, six would be rejected.
      const events = recipientEvents(6, { metadata: { notes: 'é'.repeat(40_000) } });

      const result = await publisher().publish(events);

      expect(entriesPerCall(server.events)).toEqual([3, 3]);
      expect(result.accepted).toEqual(ids(events));
    });

    it('uses a raised maxPayloadBytes (1 MB accounts) to send fewer calls', async () => {
      const events = recipientEvents(10, { metadata: { notes: 'x'.repeat(60_000) } });

      await publisher({ maxPayloadBytes: 1_048_576 }).publish(events);

      expect(entriesPerCall(server.events)).toEqual([10]);
    });

    it('reports an entry too large on its own as EntryTooLarge, never sends it, sends the rest', async () => {
      const events = [
        recipientEvent(0),
        recipientEvent(1, { metadata: { notes: 'x'.repeat(300_000) } }),
        recipientEvent(2),
      ];

      const result = await publisher().publish(events);

      expect(result.accepted).toEqual(['evt-0', 'evt-2']);
      expect(result.failed).toEqual([
        { eventId: 'evt-1', errorCode: 'EntryTooLarge', errorMessage: expect.any(String) },
      ]);
      expect(result.failed[0]?.errorMessage).toMatch(/262144 bytes/);
      expect(receivedIds(server.events)).toEqual(['evt-0', 'evt-2']);
    });
  });

  describe('per-entry failures', () => {
    it('retries only the entries that failed, until the bus accepts them all', async () => {
      const events = recipientEvents(10);
      server.failNext({ entries: [1, 4, 7], errorCode: 'ThrottlingException' });

      const result = await publisher().publish(events);

      expect(server.calls).toBe(2);
      expect(receivedIds(server.events.filter((e) => e.call === 2))).toEqual([
        'evt-1',
        'evt-4',
        'evt-7',
      ]);
      expect(result).toEqual({ accepted: ids(events), failed: [] });
      expect(sleeps).toEqual([100]);
    });

    it('reports an entry still failing after maxAttempts with its last code, with growing backoff', async () => {
      const events = recipientEvents(5);
      server.failNext({
        entries: (entry) => (entry.detail as { eventId?: string }).eventId === 'evt-3',
        errorCode: 'InternalFailure',
        errorMessage: 'Internal failure (injected)',
        times: Number.POSITIVE_INFINITY,
      });

      const result = await publisher({ maxAttempts: 4 }).publish(events);

      expect(result.accepted).toEqual(['evt-0', 'evt-1', 'evt-2', 'evt-4']);
      expect(result.failed).toEqual([
        {
          eventId: 'evt-3',
          errorCode: 'InternalFailure',
          errorMessage: 'Internal failure (injected)',
        },
      ]);
      expect(server.calls).toBe(4);
      expect(sleeps).toEqual([100, 200, 400]);
    });

    it('keeps every backoff within [step/2, step] and under maxBackoffMs', async () => {
      server.failNext({ entries: [0], times: Number.POSITIVE_INFINITY });

      await publisher({ maxAttempts: 6, random: () => 0, maxBackoffMs: 1_000 }).publish(
        recipientEvents(1),
      );

      expect(sleeps).toEqual([50, 100, 200, 400, 500]);
    });

    it('does not retry an entry the bus refused for good (MalformedDetail, AccessDenied...)', async () => {
      server.failNext({ entries: [2], errorCode: 'AccessDeniedException', errorMessage: 'denied' });

      const result = await publisher().publish(recipientEvents(4));

      expect(server.calls).toBe(1);
      expect(sleeps).toEqual([]);
      expect(result.accepted).toEqual(['evt-0', 'evt-1', 'evt-3']);
      expect(result.failed).toEqual([
        { eventId: 'evt-2', errorCode: 'AccessDeniedException', errorMessage: 'denied' },
      ]);
    });

    it('throws EventBusNotFoundError when entries report ResourceNotFoundException', async () => {
      server.failNext({ entries: [0], errorCode: 'ResourceNotFoundException' });

      await expect(publisher().publish(recipientEvents(2))).rejects.toBeInstanceOf(
        EventBusNotFoundError,
      );
    });
  });

  describe('whole-call failures', () => {
    it('retries a throttled call and then publishes everything', async () => {
      server.failNext({
        call: { status: 400, type: 'ThrottlingException', message: 'Rate exceeded' },
        times: 2,
      });
      const events = recipientEvents(3);

      const result = await publisher().publish(events);

      expect(server.calls).toBe(3);
      expect(sleeps).toEqual([100, 200]);
      expect(result).toEqual({ accepted: ids(events), failed: [] });
    });

    it('retries a server fault (5xx) the same way', async () => {
      server.failNext({ call: { status: 503, type: 'ServiceUnavailableException' } });

      const result = await publisher().publish(recipientEvents(2));

      expect(server.calls).toBe(2);
      expect(result.accepted).toEqual(['evt-0', 'evt-1']);
    });

    it('after maxAttempts throttled calls, reports every event failed and sends no further batch', async () => {
      server.failNext({
        call: { status: 400, type: 'ThrottlingException', message: 'Rate exceeded' },
        times: Number.POSITIVE_INFINITY,
      });

      const result = await publisher({ maxAttempts: 3 }).publish(recipientEvents(25));

      expect(server.calls).toBe(3);
      expect(result.accepted).toEqual([]);
      expect(result.failed).toHaveLength(25);
      expect(new Set(result.failed.map((f) => f.errorCode))).toEqual(
        new Set(['ThrottlingException']),
      );
      expect(result.failed[0]?.errorMessage).toBe('Rate exceeded');
      expect(result.failed[10]?.errorMessage).toMatch(/^Not sent: .*3 attempts/);
    });

    it('throws EventBusNotFoundError naming the bus and EVENT_BUS_NAME for a missing bus', async () => {
      const error = await publisher({ eventBusName: 'no-such-bus' })
        .publish(recipientEvents(2))
        .catch((e: unknown) => e);

      expect(error).toBeInstanceOf(EventBusNotFoundError);
      expect(error).toMatchObject({ name: 'EventBusNotFoundError', eventBusName: 'no-such-bus' });
      expect((error as Error).message).toMatch(/"no-such-bus".*EVENT_BUS_NAME/);
      expect((error as Error).cause).toMatchObject({ name: 'ResourceNotFoundException' });
      expect(server.calls).toBe(1);
    });

    it('throws PublishAccessDeniedError without retrying when access is refused', async () => {
      server.failNext({ call: { status: 400, type: 'AccessDeniedException' } });

      const error = await publisher()
        .publish(recipientEvents(2))
        .catch((e: unknown) => e);

      expect(error).toBeInstanceOf(PublishAccessDeniedError);
      expect(error).toMatchObject({ code: 'AccessDeniedException', eventBusName: BUS });
      expect((error as Error).cause).toMatchObject({ name: 'AccessDeniedException' });
      expect(server.calls).toBe(1);
    });

    it('rethrows an SDK error it does not understand, untouched', async () => {
      server.failNext({ call: { status: 400, type: 'ValidationException' } });

      const error = await publisher()
        .publish(recipientEvents(1))
        .catch((e: unknown) => e);

      expect(error).toMatchObject({ name: 'ValidationException' });
      expect(error).not.toBeInstanceOf(PublisherError);
      expect(server.calls).toBe(1);
    });
  });

  describe('validation', () => {
    it('throws InvalidCatalogEventError before sending anything, naming ids and fields only', async () => {
      const bad = recipientEvent(1, { statusAt: 'yesterday' });
      const unknownType = { ...recipientEvent(2), detailType: 'RecipientTeleported' };
      const events = [recipientEvent(0), bad, unknownType] as CatalogEvent[];

      const error = await publisher()
        .publish(events)
        .catch((e: unknown) => e);

      expect(error).toBeInstanceOf(InvalidCatalogEventError);
      expect(error).toMatchObject({ eventIds: ['evt-1', 'evt-2'] });
      const message = (error as Error).message;
      expect(message).toMatch(/detail\.statusAt/);
      expect(message).toMatch(/RecipientTeleported/);
      expect(message).not.toMatch(/recipient-\d@example\.com/);
      expect(server.calls).toBe(0);
    });

    it('refuses a detail with a field the catalog does not know', async () => {
      const event = recipientEvent(1, { extra: 'x' } as Partial<RecipientEventDetail>);

      await expect(publisher().publish([event])).rejects.toThrow(InvalidCatalogEventError);
      expect(server.calls).toBe(0);
    });
  });
});
