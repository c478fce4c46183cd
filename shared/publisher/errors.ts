/**
 * Errors of the EventBridge publisher. Per-entry refusals are never thrown (they
 * are reported in `PublishResult.failed`); these are for what no retry can fix:
 * a bug in the caller, a missing bus, missing permissions. Messages name event
 * ids only, never event details (they hold email addresses).
 */
import { type ErrorKind, StatusSyncError } from '../errors.ts';

/** Base class: kind `publish` unless a subclass says otherwise. */
export class PublisherError extends StatusSyncError {
  readonly kind: ErrorKind = 'publish';

  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'PublisherError';
  }
}

/** An event does not match its catalog schema: a bug upstream; nothing was sent. */
export class InvalidCatalogEventError extends PublisherError {
  constructor(
    /** eventIds of the invalid events (`#index` when the id itself is missing). */
    readonly eventIds: readonly string[],
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = 'InvalidCatalogEventError';
  }
}

/** PutEvents said the bus does not exist. */
export class EventBusNotFoundError extends PublisherError {
  override readonly kind = 'configuration';

  constructor(
    readonly eventBusName: string,
    options?: ErrorOptions,
  ) {
    super(
      `Event bus "${eventBusName}" does not exist (PutEvents: ResourceNotFoundException). ` +
        'Create it, or set EVENT_BUS_NAME to the name or ARN of an existing bus.',
      options,
    );
    this.name = 'EventBusNotFoundError';
  }
}

/** PutEvents was refused for lack of permission or valid credentials. */
export class PublishAccessDeniedError extends PublisherError {
  override readonly kind = 'configuration';

  constructor(
    readonly eventBusName: string,
    readonly code: string,
    options?: ErrorOptions,
  ) {
    super(
      `PutEvents on event bus "${eventBusName}" was refused (${code}). Grant events:PutEvents ` +
        "on this bus to the function's role, or check the AWS credentials in use.",
      options,
    );
    this.name = 'PublishAccessDeniedError';
  }
}
