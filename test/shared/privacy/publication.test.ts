/** The publication form and the keys derived from an address. */
import { describe, expect, it } from 'vitest';
import type { CatalogEvent } from '../../../shared/catalog/events.ts';
import type { PublicationFormRecord } from '../../../shared/ports.ts';
import { checkedPublication } from '../../../shared/privacy/checked-publication.ts';
import { PublicationFormError } from '../../../shared/privacy/errors.ts';
import {
  PLAIN_FORM,
  publicationFor,
  saltFingerprint,
} from '../../../shared/privacy/publication.ts';
import { hashEmail } from '../../../shared/publisher/pii.ts';

const SALT = 's3cret-salt-0123456789abcdef';

const event: CatalogEvent = {
  detailType: 'RecipientDelivered',
  detail: {
    eventId: 'e-1',
    messageId: 'm-1',
    email: 'Ann@Example.com',
    token: 't',
    status: 'Delivered',
    previousStatus: null,
    cost: 1,
    stopMail: false,
    statusAt: '2026-11-27T09:00:00.000Z',
    observedAt: '2026-11-27T09:01:00.000Z',
    sequence: 1,
    metadata: { email: 'kept@as.attached' },
  },
};

/** An in-memory record that counts its reads and writes. */
function memoryRecord(initial: string | null = null) {
  const calls: string[] = [];
  let form = initial;
  const record: PublicationFormRecord = {
    async recordedForm() {
      calls.push('read');
      return form;
    },
    async claimForm(next) {
      calls.push('claim');
      form ??= next;
      return form;
    },
  };
  return { record, calls, form: () => form };
}

describe('publicationFor', () => {
  it('fingerprints a salt without revealing it, and tells salts apart', () => {
    const form = publicationFor(SALT).form;
    expect(form).toMatch(/^hmac-sha256:[0-9a-f]{16}$/);
    expect(form).not.toContain(SALT);
    expect(form).toBe(saltFingerprint(SALT));
    expect(saltFingerprint('another salt')).not.toBe(form);
    expect(publicationFor(null).form).toBe(PLAIN_FORM);
  });

  it('renders events with pseudonyms when hashed, as they are when plain', () => {
    const hashed = publicationFor(SALT).render(event);
    expect(hashed.detail).toMatchObject({
      email: hashEmail('Ann@Example.com', SALT),
      metadata: { email: 'kept@as.attached' },
    });
    expect(event.detail).toMatchObject({ email: 'Ann@Example.com' });
    expect(publicationFor(null).render(event)).toBe(event);
  });

  it('keys a person by the normalised address, salted when hashing', () => {
    const plain = publicationFor(null);
    const salted = publicationFor(SALT);
    expect(plain.recipientKey(' ANN@example.com ')).toBe(plain.recipientKey('ann@example.com'));
    expect(salted.recipientKey('Ann@Example.com')).toBe(salted.recipientKey('ann@example.com'));
    expect(salted.recipientKey('ann@example.com')).not.toBe(plain.recipientKey('ann@example.com'));
    expect(plain.recipientKey('bob@example.com')).not.toBe(plain.recipientKey('ann@example.com'));
    expect(salted.recipientKey('ann@example.com')).not.toContain('ann');
  });
});

describe('checkedPublication', () => {
  const clock = () => new Date('2026-11-27T09:00:00Z');

  it('records the first writer form once and checks it once per process', async () => {
    const mem = memoryRecord();
    const source = checkedPublication({ salt: async () => SALT, record: mem.record, clock });
    await source.forWriting();
    await source.forWriting();
    expect(mem.form()).toBe(saltFingerprint(SALT));
    expect(mem.calls).toEqual(['claim']);
  });

  it('refuses a missing or different salt where another form is recorded', async () => {
    const mem = memoryRecord(saltFingerprint(SALT));
    const none = checkedPublication({ salt: async () => null, record: mem.record, clock });
    await expect(none.forWriting()).rejects.toBeInstanceOf(PublicationFormError);
    await expect(none.forReading()).rejects.toThrow(/EMAIL_HASH_SALT/);
    const other = checkedPublication({ salt: async () => 'wrong', record: mem.record, clock });
    const error = await other.forWriting().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PublicationFormError);
    expect((error as PublicationFormError).kind).toBe('configuration');
    expect(String(error)).not.toContain('wrong');
    expect(mem.form()).toBe(saltFingerprint(SALT));
  });

  it('reads without recording a form', async () => {
    const mem = memoryRecord();
    const source = checkedPublication({ salt: async () => null, record: mem.record, clock });
    expect((await source.forReading()).form).toBe(PLAIN_FORM);
    expect(mem.form()).toBeNull();
    expect(mem.calls).toEqual(['read']);
  });
});
