/**
 * Errors of the pure diff. Both mean a caller handed it inconsistent input; the
 * diff refuses rather than publish events that would misinform consumers.
 */
import { StatusSyncError } from '../errors.ts';

/** A `bulk-status` reply about another message than the one being synced. */
export class ReplyMismatchError extends StatusSyncError {
  readonly kind = 'reply-mismatch';

  constructor(
    readonly expectedMessageId: string,
    readonly replyMessageId: string,
    options?: ErrorOptions,
  ) {
    super(
      `bulk-status reply is for message "${replyMessageId}" but message "${expectedMessageId}" ` +
        'is being synced: no events derived. Check that the provider client sends and checks the right messageId.',
      options,
    );
    this.name = 'ReplyMismatchError';
  }
}

/** `observedAt` is not a valid Date, so no event could carry it: a bug in the caller, kind `unknown`. */
export class InvalidObservationTimeError extends StatusSyncError {
  readonly kind = 'unknown';

  constructor(options?: ErrorOptions) {
    super(
      'diffRecipients: ctx.observedAt is an invalid Date; pass the clock reading of this poll.',
      options,
    );
    this.name = 'InvalidObservationTimeError';
  }
}
