/**
 * Middy middleware that turns input no retry can fix into a logged rejection:
 * a TrackMessage event of the wrong shape (rethrown as the rejection, whose
 * message reaches the rejects queue) or a work item whose body is not one
 * (settled, so SQS neither redelivers it nor holds back its group). Every
 * other error propagates untouched. Use it after Powertools' `logMetrics`, so
 * its count is flushed with the other metrics.
 */
import type middy from '@middy/core';
import { addMetric, type MetricName, type MetricSink } from '../../shared/catalog/telemetry.ts';

/** How a rejection is reported. */
export interface Rejection {
  /** Logged with the message (never the raw input: it may be anything). */
  readonly fields: Readonly<Record<string, unknown>>;
  /** Thrown instead of the original error; default: the original. */
  readonly error?: unknown;
}

interface RejectLogger {
  warn(message: string, extra: Record<string, unknown>): void;
  error(message: string, extra: Record<string, unknown>): void;
}

export interface RejectUnfixableOptions {
  readonly logger?: RejectLogger;
  /** The log line. */
  readonly message?: string;
  readonly level?: 'warn' | 'error';
  /** The rejection for an error no retry can fix; null for the others. */
  readonly rejection?: (error: unknown, event: unknown) => Rejection | null;
  /** Settle the request with `response` (true) or rethrow the rejection (false). */
  readonly settle?: boolean;
  readonly response?: unknown;
  /** A metric counted once per rejection. */
  readonly count?: { readonly metrics: MetricSink; readonly name: MetricName };
}

const defaults = {
  logger: console as RejectLogger,
  message: 'input rejected',
  level: 'warn' as 'warn' | 'error',
  rejection: (): Rejection | null => null,
  settle: false,
  response: null as unknown,
  count: undefined as RejectUnfixableOptions['count'],
};

export function rejectUnfixable(opts: RejectUnfixableOptions = {}): middy.MiddlewareObj {
  const { logger, message, level, rejection, settle, response, count } = { ...defaults, ...opts };
  const rejectUnfixableOnError = async (request: middy.Request): Promise<void> => {
    const rejected = rejection(request.error, request.event);
    if (!rejected) return;
    if (count) addMetric(count.metrics, count.name, 1);
    logger[level](message, { ...rejected.fields });
    if (settle) {
      request.response = response;
      return;
    }
    request.error = (rejected.error ?? request.error) as Error;
  };
  return { onError: rejectUnfixableOnError };
}
