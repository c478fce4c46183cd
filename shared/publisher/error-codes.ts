/**
 * Which PutEvents failures are worth another attempt.
 *
 * Per entry, AWS documents `ThrottlingException` and `InternalFailure` as the
 * retryable codes (PutEventsResultEntry); `InternalException` is the same fault
 * under its whole-call name, so it is retried too. Every other code (InvalidArgument,
 * MalformedDetail, AccessDeniedException, NotAuthorizedFor*, KMS errors...) is a
 * verdict on the entry or on the configuration: the same entry would be refused
 * again, so it is reported at once. `ResourceNotFoundException` means the bus is
 * missing, for every entry alike, and is thrown as `EventBusNotFoundError`.
 *
 * Whole-call errors reach us after the SDK's own retries: throttling and server
 * faults are tried again on our schedule; a missing bus or refused access is
 * thrown as a project error; anything else is rethrown untouched.
 */

export const RETRYABLE_ENTRY_ERROR_CODES: ReadonlySet<string> = new Set([
  'ThrottlingException',
  'InternalFailure',
  'InternalException',
]);

const RETRYABLE_CALL_ERRORS: ReadonlySet<string> = new Set([
  'ThrottlingException',
  'ThrottledException',
  'TooManyRequestsException',
  'RequestLimitExceeded',
  'InternalException',
  'InternalFailure',
  'InternalServerError',
  'ServiceUnavailable',
  'ServiceUnavailableException',
]);

const ACCESS_DENIED_CALL_ERRORS: ReadonlySet<string> = new Set([
  'AccessDeniedException',
  'UnrecognizedClientException',
  'InvalidSignatureException',
  'IncompleteSignature',
  'MissingAuthenticationTokenException',
  'ExpiredTokenException',
  'InvalidClientTokenId',
]);

export const BUS_NOT_FOUND = 'ResourceNotFoundException';

/**
 * Failures of the request itself, named as the SDK's retry strategy knows them
 * (@smithy/service-error-classification: TimeoutError, RequestTimeout and the
 * Node socket codes it treats as transient).
 */
const NETWORK_ERROR_NAMES: ReadonlySet<string> = new Set([
  'TimeoutError',
  'RequestTimeout',
  'RequestTimeoutException',
]);
const NETWORK_ERROR_CODES: ReadonlySet<string> = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
]);

function isNetworkError(error: Error): boolean {
  const code = (error as { code?: unknown }).code;
  return (
    NETWORK_ERROR_NAMES.has(error.name) ||
    (typeof code === 'string' && NETWORK_ERROR_CODES.has(code))
  );
}

/** What to do with an error thrown by `client.send(PutEventsCommand)`. */
export type CallErrorKind = 'retry' | 'bus-not-found' | 'access-denied' | 'unknown';

/** Classifies an SDK error by its modeled name and, for unmodeled ones, its HTTP status. */
export function classifyCallError(error: unknown): CallErrorKind {
  if (!(error instanceof Error)) return 'unknown';
  const meta = (error as { $metadata?: { httpStatusCode?: number } }).$metadata;
  const status = meta?.httpStatusCode;
  // No status: nothing came back. The bus client makes one attempt (the
  // publisher's retries replace the SDK's, see runtime/aws-client-settings.ts),
  // so a timeout or a dropped connection is retried here.
  if (status === undefined) return isNetworkError(error) ? 'retry' : 'unknown';
  if (error.name === BUS_NOT_FOUND) return 'bus-not-found';
  if (ACCESS_DENIED_CALL_ERRORS.has(error.name)) return 'access-denied';
  if (RETRYABLE_CALL_ERRORS.has(error.name) || status === 429 || status >= 500) return 'retry';
  return 'unknown';
}
