/**
 * Timeouts and attempts of every AWS SDK client the product builds. Without
 * them the SDK waits forever on a server that accepts the connection and never
 * answers (its timeouts default to 0, "none"), so one hung call held `poll`
 * until the Lambda's own timeout.
 *
 * Budget, per call and retries included (the figures `DEFAULT_AWS_TIMEOUTS` give):
 * - DynamoDB and SQS: SDK retries, 3 attempts × (3 s connect + 5 s answer) ≈ 24 s.
 * - EventBridge: the SDK does not retry (maxAttempts 1): the publisher already
 *   retries only the entries that failed, 5 attempts of one batch, and stops the
 *   whole publish after one batch failed them all. Stacked on the SDK's 3, a
 *   batch cost 15 calls. One publish against a hung bus: 5 × 10 s + backoff
 *   (under 2 s) ≈ 52 s, after which its events stay in the outbox.
 */
export interface AwsTimeouts {
  /** Longest wait for a TCP (and TLS) connection, ms. */
  readonly connectionTimeoutMs: number;
  /** Longest wait for a whole request and its response, ms (DynamoDB, SQS). */
  readonly requestTimeoutMs: number;
  /** The same for one PutEvents call, ms (batches of up to 10 entries, 256 KB). */
  readonly busRequestTimeoutMs: number;
}

export const DEFAULT_AWS_TIMEOUTS: AwsTimeouts = {
  connectionTimeoutMs: 3_000,
  requestTimeoutMs: 5_000,
  busRequestTimeoutMs: 10_000,
};

/** SDK attempts of DynamoDB and SQS calls (the SDK's default, kept explicit). */
export const SDK_MAX_ATTEMPTS = 3;

function handler(connectionTimeout: number, requestTimeout: number) {
  // Since @smithy/node-http-handler 4.4 an exceeded requestTimeout only logs a
  // warning unless throwOnRequestTimeout is set.
  return { connectionTimeout, requestTimeout, throwOnRequestTimeout: true };
}

/** Constructor settings of a DynamoDB or SQS client. */
export function storeClientSettings(timeouts: AwsTimeouts = DEFAULT_AWS_TIMEOUTS) {
  return {
    maxAttempts: SDK_MAX_ATTEMPTS,
    requestHandler: handler(timeouts.connectionTimeoutMs, timeouts.requestTimeoutMs),
  };
}

/** Constructor settings of the EventBridge client: one attempt, the publisher retries. */
export function busClientSettings(timeouts: AwsTimeouts = DEFAULT_AWS_TIMEOUTS) {
  return {
    maxAttempts: 1,
    requestHandler: handler(timeouts.connectionTimeoutMs, timeouts.busRequestTimeoutMs),
  };
}
