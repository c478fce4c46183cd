/** Errors of the privacy settings and of erasure. */
import { StatusSyncError } from '../errors.ts';

/**
 * This process would publish addresses in another form than the one the table
 * records for the deployment (a different or missing salt, or a salt where the
 * deployment publishes plain addresses). Refused before anything is written or
 * published, so one deployment never mixes forms under the same eventIds.
 */
export class PublicationFormError extends StatusSyncError {
  readonly kind = 'configuration';

  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'PublicationFormError';
  }
}

/** A `forget` request names no usable address. */
export class ForgetRequestError extends StatusSyncError {
  readonly kind = 'bad-request';

  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'ForgetRequestError';
  }
}
