/**
 * The form in which a deployment publishes addresses, and the keys derived
 * from an address that the table may hold instead of it. Pure: no I/O.
 *
 * - `plain`: events carry addresses as the provider reported them.
 * - `hmac-sha256:<fingerprint>`: events carry `hmac-sha256:<hex>` pseudonyms
 *   (shared/publisher/pii.ts) made with the salt whose fingerprint this is.
 *
 * The fingerprint identifies a salt without revealing it: HMAC-SHA256 keyed by
 * the salt over a fixed label, truncated to 64 bits. Comparing fingerprints is
 * how a process learns that its salt is not the deployment's.
 */
import { createHash, createHmac } from 'node:crypto';
import type { CatalogEvent } from '../catalog/events.ts';
import { hashEmail, withHashedEmails } from '../publisher/pii.ts';

/** The form of a deployment that publishes addresses as they are. */
export const PLAIN_FORM = 'plain';

/** Label of the salt fingerprint; changing it changes every recorded form. */
const FINGERPRINT_LABEL = 'mailpartner-status-sync/salt-fingerprint/v1';

/** Label of the recipient key, so it never equals a published pseudonym of the same address. */
const RECIPIENT_LABEL = 'mailpartner-status-sync/recipient/v1\u0000';

/** Pseudonyms kept in memory at most (then forgotten and recomputed). */
const MEMO_LIMIT = 10_000;

/** How this process puts events on the bus, and keys an address in the table. */
export interface Publication {
  /** `plain`, or `hmac-sha256:` and the salt's 16-hex-digit fingerprint. */
  readonly form: string;
  /** True when events carry pseudonyms instead of addresses. */
  readonly hashed: boolean;
  /** The event as this deployment publishes it (a copy; identity when plain). */
  render(event: CatalogEvent): CatalogEvent;
  /** The address as published events carry it (its pseudonym when hashed). */
  publishedEmail(email: string): string;
  /**
   * The key of a person in the recipient index and the tombstones: a hash of
   * the normalised address ({@link normaliseAddress}), keyed by the salt when
   * there is one, so without the salt a guessed address cannot be tested.
   */
  recipientKey(email: string): string;
}

/**
 * The one spelling of an address used to find a person across messages:
 * trimmed, Unicode NFC, lower case. Recipient state keeps the exact spelling
 * (see `recipientKey` in model.ts); only lookups and erasure fold it, so that
 * `Ann@Example.com` and `ann@example.com` are one person to forget.
 */
export function normaliseAddress(email: string): string {
  return email.trim().normalize('NFC').toLowerCase();
}

/** Whether two spellings name the same person (after {@link normaliseAddress}). */
export function sameAddress(a: string, b: string): boolean {
  return normaliseAddress(a) === normaliseAddress(b);
}

/** `hmac-sha256:` and 16 hex digits of HMAC-SHA256(salt, fixed label): never the salt. */
export function saltFingerprint(salt: string): string {
  const digest = createHmac('sha256', salt).update(FINGERPRINT_LABEL, 'utf8').digest('hex');
  return `hmac-sha256:${digest.slice(0, 16)}`;
}

/** The publication of a process with this salt (null: no hashing). */
export function publicationFor(salt: string | null): Publication {
  if (salt === null) {
    return {
      form: PLAIN_FORM,
      hashed: false,
      render: (event) => event,
      publishedEmail: (email) => email,
      recipientKey: (email) =>
        createHash('sha256')
          .update(RECIPIENT_LABEL + normaliseAddress(email), 'utf8')
          .digest('hex'),
    };
  }
  if (salt.trim() === '') throw new TypeError('the email hash salt must not be blank');
  const memo = new Map<string, string>();
  const pseudonym = (email: string): string => {
    let hashed = memo.get(email);
    if (hashed === undefined) {
      hashed = hashEmail(email, salt);
      // A warm function lives long: the memo serves one message's repeats, not every address ever seen.
      if (memo.size >= MEMO_LIMIT) memo.clear();
      memo.set(email, hashed);
    }
    return hashed;
  };
  return {
    form: saltFingerprint(salt),
    hashed: true,
    render: (event) =>
      ({ ...event, detail: withHashedEmails(event.detail, pseudonym) }) as CatalogEvent,
    publishedEmail: pseudonym,
    recipientKey: (email) =>
      createHmac('sha256', salt)
        .update(RECIPIENT_LABEL + normaliseAddress(email), 'utf8')
        .digest('hex'),
  };
}

/** The publication forms a person can read: "plain addresses" or "pseudonyms (salt hmac-sha256:…)". */
export function describeForm(form: string): string {
  return form === PLAIN_FORM ? 'plain addresses' : `pseudonyms (salt fingerprint ${form})`;
}
