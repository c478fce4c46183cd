import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { CatalogEvent, RecipientEvent } from '../../../shared/catalog/events.ts';
import { diffRecipients } from '../../../shared/diff/diff.ts';
import type { TrackedMessage } from '../../../shared/domain/tracked-message.ts';
import {
  statusSnapshot,
  trackingExpired,
  trackingStarted,
} from '../../../shared/lifecycle/message-events.ts';
import type { RecipientState } from '../../../shared/model.ts';
import type { EventPublisher, PublishResult } from '../../../shared/ports.ts';
import { EventBridgePublisher } from '../../../shared/publisher/eventbridge-publisher.ts';
import { EMAIL_HASH_PREFIX, hashEmail, hashEmails } from '../../../shared/publisher/pii.ts';
import { DynamoStatusStore } from '../../../shared/store/dynamo-status-store.ts';
import { flush } from '../../../shared/sync/flush.ts';
import { FakeDynamoDB } from '../../support/reliability-dynamodb-fake.ts';
import { FakeEventBus } from '../../support/reliability-eventbridge-fake.ts';

const SALT = 'test-salt-4b1d9c0e7a2f4e6b8d3a5c7e9f1b2d4c';
const AT = new Date('2026-11-27T09:00:00.000Z');

const message: TrackedMessage = {
  messageId: 'm-1',
  metadata: { campaign: 'spring', email: 'owner@corp.fr' },
  trackedAt: AT.toISOString(),
  nextPollAt: AT.toISOString(),
  lastPolledAt: null,
  active: true,
  state: 'active',
  sendAt: null,
  expectedSendAt: AT.toISOString(),
  sendReason: 'now',
  endedAt: null,
};

function recipientEvents(): RecipientEvent[] {
  return diffRecipients(
    new Map(),
    {
      messageId: 'm-1',
      recipients: [
        {
          email: 'Ann@Example.com',
          token: 't1',
          status: 'Delivered',
          cost: 1,
          stopMail: true,
          statusAt: null,
        },
        {
          email: 'bob@example.com',
          token: '',
          status: 'Waiting',
          cost: null,
          stopMail: false,
          statusAt: null,
        },
      ],
    },
    { messageId: 'm-1', metadata: message.metadata, observedAt: AT },
  ).events;
}

/** Records what reaches it and accepts everything. */
function recording(): EventPublisher & { published: CatalogEvent[] } {
  const published: CatalogEvent[] = [];
  return {
    published,
    async publish(events) {
      published.push(...events);
      return { accepted: events.map((e) => e.detail.eventId), failed: [] };
    },
  };
}

describe('hashEmail', () => {
  it('is HMAC-SHA256 of the address keyed by the salt, in hex, with a prefix naming it', () => {
    const expected = createHmac('sha256', SALT).update('ann@example.com').digest('hex');
    expect(hashEmail('ann@example.com', SALT)).toBe(`hmac-sha256:${expected}`);
    expect(hashEmail('ann@example.com', SALT)).toMatch(/^hmac-sha256:[0-9a-f]{64}$/);
  });

  it('is stable for one salt, and differs across addresses, salts, and case', () => {
    const a = hashEmail('ann@example.com', SALT);
    expect(hashEmail('ann@example.com', SALT)).toBe(a);
    expect(hashEmail('bob@example.com', SALT)).not.toBe(a);
    expect(hashEmail('ann@example.com', `${SALT}x`)).not.toBe(a);
    // The address as the provider reported it: no case folding.
    expect(hashEmail('Ann@Example.com', SALT)).not.toBe(a);
  });
});

describe('hashEmails', () => {
  it('publishes the hash instead of each recipient address, with every other field as it was', async () => {
    const inner = recording();
    const events = recipientEvents();
    await hashEmails(inner, { salt: SALT }).publish(events);

    expect(inner.published).toHaveLength(3);
    inner.published.forEach((sent, i) => {
      const original = events[i] as RecipientEvent;
      expect(sent).toEqual({
        ...original,
        detail: { ...original.detail, email: hashEmail(original.detail.email, SALT) },
      });
    });
    expect(JSON.stringify(inner.published)).not.toMatch(/example\.com/i);
  });

  it("keeps eventIds, order and the publish result, and leaves the caller's events untouched", async () => {
    const events = recipientEvents();
    const before = structuredClone(events);
    const result: PublishResult = {
      accepted: [events[0]?.detail.eventId as string],
      failed: [
        {
          eventId: events[1]?.detail.eventId as string,
          errorCode: 'ThrottlingException',
          errorMessage: 'x',
        },
      ],
    };
    const seen: string[] = [];
    const publisher = hashEmails(
      {
        async publish(sent) {
          seen.push(...sent.map((e) => e.detail.eventId));
          return result;
        },
      },
      { salt: SALT },
    );
    await expect(publisher.publish(events)).resolves.toBe(result);
    expect(seen).toEqual(events.map((e) => e.detail.eventId));
    expect(events).toEqual(before);
  });

  it('hashes the addresses message-level events list, and leaves metadata as attached', async () => {
    const inner = recording();
    const recipients: RecipientState[] = [
      {
        email: 'ann@example.com',
        token: 't1',
        status: 'Waiting',
        stopMail: false,
        cost: null,
        statusAt: AT.toISOString(),
        sequence: 1,
        lastEventId: 'e1',
      },
    ];
    const events = [
      trackingStarted(message),
      trackingExpired(message, recipients, recipients, AT),
      ...statusSnapshot(message, recipients, AT),
    ];
    await hashEmails(inner, { salt: SALT }).publish(events);

    const [started, expired, snapshot] = inner.published.map(
      (e) => e.detail as Record<string, unknown>,
    );
    expect(started).toEqual(events[0]?.detail);
    expect((expired?.pending as { email: string }[] | undefined)?.[0]?.email).toBe(
      hashEmail('ann@example.com', SALT),
    );
    expect((snapshot?.recipients as { email: string }[] | undefined)?.[0]?.email).toBe(
      hashEmail('ann@example.com', SALT),
    );
    for (const detail of [started, expired, snapshot]) {
      expect(detail?.metadata).toEqual({ campaign: 'spring', email: 'owner@corp.fr' });
    }
  });

  it.each([[''], ['   '], [undefined]])(
    'refuses a missing or blank salt (%j) at once, naming the setting',
    (salt) => {
      expect(() => hashEmails(recording(), { salt: salt as string })).toThrow(/EMAIL_HASH_SALT/);
    },
  );

  it('on the bus only hashes arrive, while the audit trail keeps the addresses', async () => {
    const db = new FakeDynamoDB();
    const store = new DynamoStatusStore({ client: db.client(), tableName: 'pii-test' });
    await store.admin.createTable();
    await store.track('m-1', {}, AT);
    const loaded = await store.load('m-1');
    if (!loaded) throw new Error('not tracked');
    const events = recipientEvents();
    const diff = diffRecipients(
      loaded.recipients,
      {
        messageId: 'm-1',
        recipients: events.map((e) => ({
          email: e.detail.email,
          token: e.detail.token,
          status: e.detail.status,
          cost: e.detail.cost,
          stopMail: e.detail.stopMail,
          statusAt: null,
        })),
      },
      { messageId: 'm-1', metadata: {}, observedAt: AT },
    );
    const committed = await store.commit(loaded, {
      changed: diff.changed,
      events: diff.events,
      observedAt: AT.toISOString(),
    });
    const bus = new FakeEventBus();
    const publisher = hashEmails(
      new EventBridgePublisher({ client: bus.client(), eventBusName: 'default' }),
      { salt: SALT },
    );

    const out = await flush({ store, publisher }, committed);

    expect(out.pending).toBe(0);
    expect(bus.events.map((e) => e.detail.email)).toEqual(
      diff.events.map((e) => hashEmail(e.detail.email, SALT)),
    );
    expect(bus.events.map((e) => e.detail.eventId)).toEqual(
      diff.events.map((e) => e.detail.eventId),
    );
    expect(JSON.stringify(bus.events)).not.toMatch(/example\.com/i);
    const audit = await store.audit.history('m-1');
    expect(audit.map((r) => r.email).sort()).toEqual([
      'Ann@Example.com',
      'Ann@Example.com',
      'bob@example.com',
    ]);
    expect(audit.every((r) => r.expiresAt > AT.getTime() / 1000)).toBe(true);
    expect(EMAIL_HASH_PREFIX).toBe('hmac-sha256:');
  });
});
