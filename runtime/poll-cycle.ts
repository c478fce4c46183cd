/**
 * The poller's use of the engine: one sync cycle that stops starting work
 * `DEADLINE_MARGIN_MS` before Lambda's deadline, with its log lines. The
 * metrics come from the handler's `syncMetrics` middleware.
 */
import type { Logger } from '@aws-lambda-powertools/logger';
import type { Metrics } from '@aws-lambda-powertools/metrics';
import type { Context } from 'aws-lambda';
import { LOG_MESSAGES } from '../shared/catalog/telemetry.ts';
import type { SyncDeps } from '../shared/ports.ts';
import { type CycleSummary, runCycle } from '../shared/sync/sync-cycle.ts';

/** Stop starting new messages this long before Lambda's deadline. */
export const DEADLINE_MARGIN_MS = 20_000;

export interface PollerDeps {
  readonly syncDeps: () => SyncDeps;
  readonly concurrency: number;
  /** At most this many messages a cycle: the provider budget (one request each). */
  readonly budgetPerMinute: number;
  readonly logger: Logger;
  readonly metrics: Metrics;
}

/** One cycle; its summary without the per-message outcomes (logged as they come). */
export async function pollCycle(
  deps: PollerDeps,
  context: Pick<Context, 'getRemainingTimeInMillis'>,
): Promise<Omit<CycleSummary, 'outcomes'>> {
  const sync = deps.syncDeps();
  // Measured on the cycle's own clock, which decides when to stop starting work.
  const deadline = sync.clock().getTime() + context.getRemainingTimeInMillis() - DEADLINE_MARGIN_MS;
  const { outcomes, ...summary } = await runCycle(sync, {
    concurrency: deps.concurrency,
    limit: deps.budgetPerMinute,
    deadline,
    onOutcome: (o) => {
      if (o.kind === 'error') {
        deps.logger.warn('message sync failed', {
          messageId: o.messageId,
          errorKind: o.errorKind,
          reason: o.message,
        });
      }
    },
  });
  deps.logger.info(LOG_MESSAGES.cycleSummary, { summary });
  if (summary.stoppedBy === 'configuration') {
    deps.logger.error('cycle stopped by a configuration error', { errors: summary.errors });
  }
  return summary;
}
