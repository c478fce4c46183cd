/**
 * The base of every error this project throws. Each area's `errors.ts`
 * (`mailpartner/`, `store/`, `publisher/`, `diff/`, `sync/`, `queue/`) extends
 * it, and each class fixes its `kind`, so `classifyError`
 * (`shared/sync/error-kind.ts`) is `instanceof StatusSyncError → kind`: a
 * renamed class keeps its kind, and no table of names can drift from the classes.
 *
 * `name` is set the one way Powertools does (`this.name = '…'` in each
 * constructor, a string literal): the bundles are minified, so the class's
 * own `constructor.name` would not survive, and logs and `errorMessage` print it.
 */

/** What went wrong, in terms of what the caller should do about it; the cycle summary, metrics and alarms speak of these. */
export type ErrorKind =
  | 'configuration'
  | 'not-found'
  | 'rate-limited'
  | 'transient'
  | 'bad-request'
  | 'conflict'
  | 'throttled'
  | 'publish'
  | 'store'
  | 'not-tracked'
  | 'reply-mismatch'
  | 'unknown';

/** Base class of the project's errors: every subclass says what kind of failure it is. */
export abstract class StatusSyncError extends Error {
  /** How a sync, the metrics and the alarms treat this failure. */
  abstract readonly kind: ErrorKind;

  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'StatusSyncError';
  }
}
