/**
 * Errors of the pure diff. Both mean a caller handed it inconsistent input; the
 * diff refuses rather than publish events that would misinform consumers.
 */

/** A `bulk-status` reply about another message than the one being synced. */
export class ReplyMismatchError extends Error {
  override readonly name = 'ReplyMismatchError';

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
  }
}

/** `observedAt` is not a valid Date, so no event could carry it. */
export class InvalidObservationTimeError extends RangeError {
  override readonly name = 'InvalidObservationTimeError';

  constructor(options?: ErrorOptions) {
    super(
      'diffRecipients: ctx.observedAt is an invalid Date; pass the clock reading of this poll.',
      options,
    );
  }
}
