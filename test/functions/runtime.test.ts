/** Wiring from configuration: the PII option puts the email-hashing publisher in front of the bus. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DynamoServer, startDynamoServer } from '../../local/dynamodb-server.ts';
import { type LocalEventBridge, startLocalEventBridge } from '../../local/eventbridge-server.ts';
import { createRuntime } from '../../runtime/runtime.ts';
import { loadConfig } from '../../shared/config.ts';
import { trackingStarted } from '../../shared/lifecycle/message-events.ts';
import { PublicationFormError } from '../../shared/privacy/errors.ts';

let bus: LocalEventBridge;
let dynamo: DynamoServer;
beforeAll(async () => {
  bus = await startLocalEventBridge();
  dynamo = await startDynamoServer();
});
afterAll(async () => {
  await bus?.close();
  await dynamo?.close();
});

const env = (extra: Record<string, string>) => ({
  AWS_REGION: 'us-east-1',
  AWS_ACCESS_KEY_ID: 'local',
  AWS_SECRET_ACCESS_KEY: 'local',
  ...extra,
});

const recipientEvent = {
  detailType: 'RecipientDelivered' as const,
  detail: {
    eventId: 'e-1',
    messageId: 'm-1',
    email: 'ann@example.com',
    token: 't',
    status: 'Delivered',
    previousStatus: null,
    cost: 1,
    stopMail: false,
    statusAt: '2026-11-27T09:00:00.000Z',
    observedAt: '2026-11-27T09:01:00.000Z',
    sequence: 1,
    metadata: {},
  },
};

describe('runtime wiring', () => {
  it('publishes addresses as they are by default, as salted hashes with EMAIL_HASH_SALT, and never both forms on one table', async () => {
    // The SDK reads its endpoint and credentials from the environment, as in Lambda.
    Object.assign(
      process.env,
      env({ AWS_ENDPOINT_URL_EVENTBRIDGE: bus.url, AWS_ENDPOINT_URL_DYNAMODB: dynamo.endpoint }),
    );
    const plain = createRuntime(loadConfig(env({ TABLE_NAME: 'wiring-plain' })));
    await plain.store.admin.createTable();
    await plain.publisher.publish([recipientEvent]);
    const hashed = createRuntime(
      loadConfig(env({ TABLE_NAME: 'wiring-hashed', EMAIL_HASH_SALT: 'pepper' })),
    );
    await hashed.store.admin.createTable();
    await hashed.publisher.publish([recipientEvent]);
    // A salted shell on the plain deployment's table is refused before the bus sees anything.
    const mixed = createRuntime(
      loadConfig(env({ TABLE_NAME: 'wiring-plain', EMAIL_HASH_SALT: 'pepper' })),
    );
    const refused = await mixed.publisher.publish([recipientEvent]).catch((e: unknown) => e);
    for (const rt of [plain, hashed, mixed]) rt.close();
    expect(refused).toBeInstanceOf(PublicationFormError);
    expect(String((refused as Error).message)).toMatch(/publishes plain addresses/);
    expect(String((refused as Error).message)).not.toContain('pepper');
    const emails = bus.events.map((e) => e.detail.email);
    expect(emails).toHaveLength(2);
    expect(emails[0]).toBe('ann@example.com');
    expect(emails[1]).toMatch(/^hmac-sha256:[0-9a-f]{64}$/);
    expect(bus.events.map((e) => e.detail.eventId)).toEqual(['e-1', 'e-1']);
  });

  it('refuses a blank salt at start', () => {
    expect(() => loadConfig(env({ EMAIL_HASH_SALT: '  ' }))).toThrow(/EMAIL_HASH_SALT/);
  });

  it('leaves message-level events alone', () => {
    const e = trackingStarted({
      messageId: 'm',
      metadata: {},
      trackedAt: '2026-11-27T09:00:00.000Z',
      nextPollAt: '2026-11-27T09:00:00.000Z',
      lastPolledAt: null,
      active: true,
      state: 'active',
      sendAt: null,
      expectedSendAt: '2026-11-27T09:00:00.000Z',
      sendReason: 'now',
      endedAt: null,
    });
    expect('email' in e.detail).toBe(false);
  });
});

describe('lifecycle settings from the environment', () => {
  it('maps every schedule variable onto the policy', () => {
    const c = loadConfig(
      env({
        POLL_INTERVAL_SECONDS: '30',
        MAX_POLL_INTERVAL_MINUTES: '60',
        POLL_BACKOFF_FACTOR: '0.2',
        SETTLED_POLL_INTERVAL_MINUTES: '2',
        ENGAGEMENT_WINDOW_MINUTES: '30',
        TRACKING_WINDOW_HOURS: '24',
        NOT_FOUND_GRACE_MINUTES: '10',
      }),
    );
    expect(c.policy).toMatchObject({
      minIntervalMs: 30_000,
      maxIntervalMs: 3_600_000,
      backoffFactor: 0.2,
      settledIntervalMs: 120_000,
      engagementWindowMs: 1_800_000,
      trackingWindowMs: 86_400_000,
      notFoundGraceMs: 600_000,
    });
  });

  it('names the variable when a value is out of range', () => {
    expect(() => loadConfig(env({ POLL_BACKOFF_FACTOR: '-1' }))).toThrow(/POLL_BACKOFF_FACTOR/);
  });
});
