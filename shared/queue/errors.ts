/** Errors of the SQS work queue. */
import { StatusSyncError } from '../errors.ts';

/**
 * SQS kept refusing `SendMessageBatch` through every attempt. Kind `transient`:
 * nothing was lost (the messages stay due in the store), and the next
 * dispatcher run enqueues them again.
 */
export class QueueError extends StatusSyncError {
  readonly kind = 'transient';

  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'QueueError';
  }
}
