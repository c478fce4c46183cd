/**
 * Sorts any error a sync can meet into the few kinds the cycle summary, the
 * metrics and the alarms speak of (`ErrorKind`, in `shared/errors.ts`).
 *
 * Adapters translate the SDK's and the provider's errors into the project's
 * own classes, each of which fixes its kind, so this is `instanceof`. What an
 * adapter let through untranslated gets the one fallback that matters:
 * throttling by an AWS service, recognised by the SDK's exception names (this
 * module stays free of SDK imports, like the rest of the use case).
 */
import { type ErrorKind, StatusSyncError } from '../errors.ts';

/** SDK exception names that mean "slow down" (DynamoDB, SQS, EventBridge, Secrets Manager). */
const SDK_THROTTLING = /Throttl|ProvisionedThroughputExceeded|RequestLimitExceeded/;

/** The kind of `error`: its own for the project's errors, `throttled` for SDK throttling, else `unknown`. */
export function classifyError(error: unknown): ErrorKind {
  if (error instanceof StatusSyncError) return error.kind;
  if (error instanceof Error && SDK_THROTTLING.test(error.name)) return 'throttled';
  return 'unknown';
}

/** One line for logs and the CLI: the error's own message (adapters keep secrets out of it). */
export function errorMessage(error: unknown): string {
  if (error instanceof Error) return `${error.name}: ${error.message}`;
  return String(error);
}
