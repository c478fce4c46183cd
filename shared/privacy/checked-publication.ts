/**
 * The publication of this process, checked against the form the table records
 * for the deployment. Every process that creates events (poll, snapshot, the
 * functions, the track handler) goes through `forWriting`: the first one
 * records its form (a conditional write, once per table), every later one must
 * match it, or nothing is written or published. Readers that look a person up
 * by key (history by recipient) go through `forReading`, which records nothing.
 *
 * The salt is asked for on every call (its loader caches it, and may re-read a
 * rotated secret); a form already verified is not checked again, so a warm
 * process pays one read of the record for its lifetime.
 */
import type { PublicationFormRecord } from '../ports.ts';
import { PublicationFormError } from './errors.ts';
import { describeForm, PLAIN_FORM, type Publication, publicationFor } from './publication.ts';

export interface CheckedPublicationDeps {
  /** The salt of this process (null: no hashing configured). */
  readonly salt: () => Promise<string | null>;
  readonly record: PublicationFormRecord;
  readonly clock: () => Date;
}

/** This process's publication, verified against the deployment's. */
export interface PublicationSource {
  /** For processes that create events: records the form when none is, refuses another. */
  forWriting(): Promise<Publication>;
  /** For readers: refuses a form other than the recorded one; records nothing. */
  forReading(): Promise<Publication>;
}

/** Builds the source; nothing is read until the first call. */
export function checkedPublication(deps: CheckedPublicationDeps): PublicationSource {
  const verified = new Map<string, Promise<void>>();
  let cached: { salt: string | null; publication: Publication } | undefined;
  const current = async (): Promise<Publication> => {
    const salt = await deps.salt();
    if (cached?.salt !== salt) cached = { salt, publication: publicationFor(salt) };
    return cached.publication;
  };
  const verify = (form: string, claim: boolean): Promise<void> => {
    const key = `${claim ? 'w' : 'r'}:${form}`;
    let check = verified.get(key);
    if (check === undefined) {
      check = (async () => {
        const recorded = claim
          ? await deps.record.claimForm(form, deps.clock())
          : await deps.record.recordedForm();
        if (recorded !== null && recorded !== form) throw mismatch(form, recorded);
      })();
      verified.set(key, check);
      // Only a success is remembered: a read that failed (or a mismatch that an
      // operator then fixes) is tried again on the next call.
      check.catch(() => verified.delete(key));
    }
    return check;
  };
  return {
    async forWriting() {
      const publication = await current();
      await verify(publication.form, true);
      return publication;
    },
    async forReading() {
      const publication = await current();
      await verify(publication.form, false);
      return publication;
    },
  };
}

function mismatch(form: string, recorded: string): PublicationFormError {
  const fix =
    recorded === PLAIN_FORM
      ? 'unset EMAIL_HASH_SALT and EMAIL_HASH_SALT_SECRET for this deployment'
      : form === PLAIN_FORM
        ? "set EMAIL_HASH_SALT (or EMAIL_HASH_SALT_SECRET) to the deployment's salt"
        : "this salt is not the deployment's: use the salt whose fingerprint is recorded";
  return new PublicationFormError(
    `This deployment publishes ${describeForm(recorded)}, but this process would publish ${describeForm(form)}: refused so that one eventId never goes out in two forms; ${fix} (docs/privacy.md)`,
  );
}
