/**
 * Errors of the DynamoDB store. The store catches SDK errors by name and turns
 * the ones it understands into these; anything else is rethrown untouched.
 * Each fixes its `kind` (see `shared/errors.ts`).
 */
import { type ErrorKind, StatusSyncError } from '../errors.ts';

/** Base of every store error; a plain `StoreError` is a store failure no subclass names. */
export class StoreError extends StatusSyncError {
  readonly kind: ErrorKind = 'store';

  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'StoreError';
  }
}

/**
 * Another poller committed first: the version this commit was based on is stale.
 * Reload the message and derive the changes again.
 */
export class ConcurrentUpdateError extends StoreError {
  override readonly kind = 'conflict';

  constructor(
    readonly messageId: string,
    /** Chunk that refused the write, or META when another commit claimed the message first. */
    readonly failedChunk: number | 'META',
    /**
     * Chunks of the same commit written before the refusal. Each of them is
     * self-consistent (its new states sit next to their events in its outbox).
     */
    readonly committedChunks: readonly number[],
    options?: ErrorOptions,
  ) {
    const done =
      committedChunks.length === 0
        ? 'nothing of this commit was written'
        : `chunks ${committedChunks.join(', ')} of this commit were already written, each with its own events`;
    super(
      `Message ${messageId} was changed concurrently (${failedChunk === 'META' ? 'another commit or its end' : `state chunk ${failedChunk}`} moved on since it was loaded): ${done}. Reload the message and retry.`,
      options,
    );
    this.name = 'ConcurrentUpdateError';
  }
}

/** DynamoDB kept refusing for capacity reasons even after retries. */
export class StoreThrottledError extends StoreError {
  override readonly kind = 'throttled';

  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'StoreThrottledError';
  }
}

/** The table does not exist (or not in this region/account). */
export class TableNotFoundError extends StoreError {
  override readonly kind = 'configuration';

  constructor(
    readonly tableName: string,
    options?: ErrorOptions,
  ) {
    super(
      `DynamoDB table ${tableName} not found: run \`status-sync init\` (local) or deploy the stack`,
      options,
    );
    this.name = 'TableNotFoundError';
  }
}

/** An item would exceed what this store allows (DynamoDB's hard limit is 400 KB). */
export class ItemTooLargeError extends StoreError {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'ItemTooLargeError';
  }
}

/** `track` was called with a messageId or metadata the store refuses. */
export class InvalidTrackRequestError extends StoreError {
  override readonly kind = 'bad-request';

  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'InvalidTrackRequestError';
  }
}

/** A stored item does not have the shape this store writes. */
export class CorruptItemError extends StoreError {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'CorruptItemError';
  }
}

/**
 * An event handed to the store does not match the event catalog: refused
 * before anything is written, so it can never sit in an outbox or the audit
 * trail that every later read would trip over. Classified as a store error.
 */
export class InvalidEventError extends StoreError {
  constructor(
    readonly eventIds: readonly string[],
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = 'InvalidEventError';
  }
}

const THROTTLING = new Set([
  'ProvisionedThroughputExceededException',
  'ThrottlingException',
  'RequestLimitExceeded',
]);

/** True when an SDK error is DynamoDB refusing a condition expression. */
export function isConditionalCheckFailed(error: unknown): boolean {
  return error instanceof Error && error.name === 'ConditionalCheckFailedException';
}

/**
 * Turns an SDK error into a store error when it is one the store understands;
 * returns anything else unchanged so the caller rethrows it.
 *
 * @param doing - what the store was doing, e.g. "loading message m-1" (for messages).
 */
export function translateError(error: unknown, tableName: string, doing: string): unknown {
  if (!(error instanceof Error) || error instanceof StoreError) return error;
  if (error.name === 'ResourceNotFoundException') {
    return new TableNotFoundError(tableName, { cause: error });
  }
  if (THROTTLING.has(error.name)) {
    return new StoreThrottledError(
      `DynamoDB throttled ${doing} on table ${tableName} even after the SDK's retries (${error.name}); retry later or raise the table's capacity`,
      { cause: error },
    );
  }
  if (error.name === 'ValidationException' && /item size/i.test(error.message)) {
    return new ItemTooLargeError(
      `DynamoDB refused ${doing}: an item exceeds the 400 KB limit (${error.message})`,
      { cause: error },
    );
  }
  return error;
}
