/**
 * Publishing without email addresses: an `EventPublisher` decorator that puts a
 * keyed hash of each address on the bus instead of the address itself. The
 * audit trail, written from the same events before they are published, keeps
 * the addresses (and expires them with its TTL); consumers get a stable
 * pseudonym they can match against their own list if they hold the salt.
 *
 *   outbox ──▶ writeAudit (addresses) ──▶ hashEmails ──▶ EventBridge (hashes)
 */
import { createHmac } from 'node:crypto';
import type { CatalogEvent } from '../catalog/events.ts';
import type { EventPublisher, PublishResult } from '../ports.ts';

/** Marks a hashed address, naming the algorithm so consumers know how to reproduce it. */
export const EMAIL_HASH_PREFIX = 'hmac-sha256:';

export interface HashEmailsOptions {
  /**
   * The secret key of the hash (suggested setting: `EMAIL_HASH_SALT`). Anyone
   * holding it can test a guessed address, so keep it secret, random (32 bytes
   * or more) and stable: changing it changes every pseudonym.
   */
  readonly salt: string;
}

/**
 * The pseudonym of one address: `hmac-sha256:` then the lowercase hex of
 * HMAC-SHA256(key = salt, message = the address's UTF-8 bytes). The address is
 * hashed exactly as the provider reported it (no trimming or case folding), as
 * events always carry it; a consumer hashes the address it sent.
 */
export function hashEmail(email: string, salt: string): string {
  return `${EMAIL_HASH_PREFIX}${createHmac('sha256', salt).update(email, 'utf8').digest('hex')}`;
}

/**
 * Wraps `inner` so that every `email` field of every event it publishes (the
 * recipient's address, and the addresses listed by message-level events such
 * as `MessageTrackingExpired.pending` or a snapshot's `recipients`) carries
 * {@link hashEmail} instead. Nothing else changes: eventIds, order, the publish
 * result, and `metadata` (it is the user's, echoed as attached). The events passed in are not modified (the caller still holds them,
 * for the audit trail and the outbox).
 *
 * @throws TypeError at once when the salt is missing or blank: publishing
 *   addresses because a secret was not configured must not happen quietly.
 */
export function hashEmails(inner: EventPublisher, options: HashEmailsOptions): EventPublisher {
  const salt = options?.salt;
  if (typeof salt !== 'string' || salt.trim() === '') {
    throw new TypeError(
      'hashEmails needs a non-empty salt: set EMAIL_HASH_SALT to a long random secret, or leave the email hashing option off',
    );
  }
  const memo = new Map<string, string>();
  const pseudonym = (email: string): string => {
    let hashed = memo.get(email);
    if (hashed === undefined) {
      hashed = hashEmail(email, salt);
      memo.set(email, hashed);
    }
    return hashed;
  };
  return {
    publish(events: readonly CatalogEvent[]): Promise<PublishResult> {
      return inner.publish(
        events.map((event) => ({
          ...event,
          detail: withHashedEmails(event.detail, pseudonym),
        })) as CatalogEvent[],
      );
    },
  };
}

/**
 * A copy of `value` with every string `email` property, at any depth, passed
 * through `hash`; `metadata` is left as the user attached it.
 */
export function withHashedEmails<T>(value: T, hash: (email: string) => string): T {
  if (Array.isArray(value)) return value.map((item) => withHashedEmails(item, hash)) as T;
  if (typeof value !== 'object' || value === null) return value;
  const copy: Record<string, unknown> = {};
  for (const [key, field] of Object.entries(value)) {
    const next =
      key === 'email' && typeof field === 'string'
        ? hash(field)
        : key === 'metadata'
          ? field
          : withHashedEmails(field, hash);
    // defineProperty, so that a key such as "__proto__" stays a plain key.
    Object.defineProperty(copy, key, {
      value: next,
      enumerable: true,
      writable: true,
      configurable: true,
    });
  }
  return copy as T;
}
