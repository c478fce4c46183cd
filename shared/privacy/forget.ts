/**
 * Erasure of one person (GDPR art. 17): `status-sync forget <address>` and the
 * deployed ForgetRecipient function run this use case.
 *
 *   tombstone ──▶ erase (state chunks, outboxes, audit records, index) ──▶ note the erasure
 *
 * The tombstone goes first: from then on every poll drops the person from its
 * reply (forgotten.ts), so no sync can write them back behind the erasure. The
 * tombstone is keyed by `Publication.recipientKey` (a salted hash when the
 * deployment hashes), and it is the record that an erasure happened: when,
 * and what it removed, never the address. Running it again is harmless: the
 * tombstone stays, the erasure finds nothing and reports zeros.
 */
import type { ErasureCounts, RecipientEraser, Tombstones } from '../ports.ts';
import type { PublicationSource } from './checked-publication.ts';
import { ForgetRequestError } from './errors.ts';
import { normaliseAddress, sameAddress } from './publication.ts';

/** Longest address accepted (RFC 5321 path limit, generously). */
const MAX_ADDRESS_LENGTH = 512;

export interface ForgetDeps {
  readonly publication: PublicationSource;
  readonly tombstones: Tombstones;
  readonly eraser: RecipientEraser;
  readonly clock: () => Date;
}

export interface ForgetResult extends ErasureCounts {
  /** The tombstone key (a hash: safe to print and log). */
  readonly key: string;
  /** True when the person had been forgotten before (this run only swept again). */
  readonly alreadyForgotten: boolean;
}

/**
 * Forgets the person with this address (matched normalised: trimmed, NFC,
 * lower case, so every spelling the provider used goes).
 *
 * @throws ForgetRequestError when `address` is blank, too long or has no `@`.
 * @throws PublicationFormError when this process's salt is not the deployment's:
 *   the tombstone key would not match what the polls compute.
 */
export async function forgetRecipient(deps: ForgetDeps, address: string): Promise<ForgetResult> {
  const normalised = normaliseAddress(address);
  if (normalised === '' || !normalised.includes('@') || normalised.length > MAX_ADDRESS_LENGTH) {
    throw new ForgetRequestError(
      `forget needs an email address (with an @, at most ${MAX_ADDRESS_LENGTH} characters)`,
    );
  }
  const publication = await deps.publication.forWriting();
  const key = publication.recipientKey(address);
  const added = await deps.tombstones.add(key, deps.clock());
  const counts = await deps.eraser.erase({
    isPerson: (email) => sameAddress(email, address),
    publishedEmail: (email) => publication.publishedEmail(email),
  });
  await deps.tombstones.noteErasure(key, deps.clock(), counts);
  return { key, alreadyForgotten: !added, ...counts };
}
