/**
 * Sorts any error a sync can meet into the few kinds the cycle summary, the
 * metrics and the alarms speak of.
 */

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

/**
 * Project errors by class name. Adapters translate SDK and provider errors into
 * these classes, so matching on `name` keeps the use case free of adapter imports.
 */
const KIND_BY_NAME: Readonly<Record<string, ErrorKind>> = {
  ProviderConfigurationError: 'configuration',
  ProviderBadRequestError: 'bad-request',
  // Never followed (the key is in the URL); the base URL is not the API's final address.
  ProviderRedirectError: 'configuration',
  MessageNotFoundError: 'not-found',
  RateLimitedError: 'rate-limited',
  TransientProviderError: 'transient',
  // A reply about another message: never applied; its own kind so an alarm can watch it.
  ReplyForOtherMessageError: 'reply-mismatch',
  ReplyMismatchError: 'reply-mismatch',
  ConcurrentUpdateError: 'conflict',
  StoreThrottledError: 'throttled',
  TableNotFoundError: 'configuration',
  ItemTooLargeError: 'store',
  CorruptItemError: 'store',
  InvalidTrackRequestError: 'bad-request',
  InvalidCatalogEventError: 'publish',
  StoreError: 'store',
  EventBusNotFoundError: 'configuration',
  PublishAccessDeniedError: 'configuration',
  PublisherError: 'publish',
};

export function classifyError(error: unknown): ErrorKind {
  if (error instanceof Error) {
    const kind = KIND_BY_NAME[error.name];
    if (kind) return kind;
    // Provider errors also carry their kind; SDK throttling that escaped an adapter too.
    const tagged = (error as { kind?: unknown }).kind;
    if (typeof tagged === 'string' && isErrorKind(tagged)) return tagged;
    if (/Throttl|ProvisionedThroughputExceeded|RequestLimitExceeded/.test(error.name)) {
      return 'throttled';
    }
  }
  return 'unknown';
}

const ALL_KINDS = new Set<string>(Object.values(KIND_BY_NAME).concat(['not-tracked', 'unknown']));

function isErrorKind(value: string): value is ErrorKind {
  return ALL_KINDS.has(value);
}

/** One line for logs and the CLI: the error's own message (adapters keep secrets out of it). */
export function errorMessage(error: unknown): string {
  if (error instanceof Error) return `${error.name}: ${error.message}`;
  return String(error);
}
