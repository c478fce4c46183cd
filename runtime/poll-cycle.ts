/**
 * The poller's use of the engine: ticks for most of the scheduled minute within the budget
 * (shared/sync/poll-minute.ts), merged into one summary that is logged and returned.
 */
import type { Logger } from '@aws-lambda-powertools/logger';
import type { Metrics } from '@aws-lambda-powertools/metrics';
import { LOG_MESSAGES } from '../shared/catalog/telemetry.ts';
import type { SyncDeps } from '../shared/ports.ts';
import * as minute from '../shared/sync/poll-minute.ts';

export interface PollerDeps {
  readonly syncDeps: () => SyncDeps;
  readonly concurrency: number;
  readonly budgetPerMinute: number;
  /** The ticks' sleep and state (module-level, so warm invocations share it); no sleep: one tick. */
  readonly minute?: Pick<minute.MinuteOptions, 'sleep' | 'state' | 'tickMs' | 'runForMs'>;
  readonly logger: Logger;
  readonly metrics: Metrics;
}

/** One invocation's ticks as one summary; failures logged as they come. */
export async function pollCycle(deps: PollerDeps, context: { getRemainingTimeInMillis(): number }) {
  const sync = deps.syncDeps();
  const started = sync.clock(); // the sync's own clock decides when to stop starting work
  const ticks = await minute.pollMinute(sync, {
    ...deps.minute,
    concurrency: deps.concurrency,
    budgetPerMinute: deps.budgetPerMinute,
    // No new message started within 20 s of Lambda's deadline.
    deadline: started.getTime() + context.getRemainingTimeInMillis() - 20_000,
    onOutcome: (o) => {
      if (o.kind !== 'error') return;
      const { messageId, errorKind, message: reason } = o;
      deps.logger.warn('message sync failed', { messageId, errorKind, reason });
    },
  });
  const summary = minute.mergeTicks(started, sync.clock(), ticks);
  deps.logger.info(LOG_MESSAGES.cycleSummary, { summary });
  if (summary.stoppedBy === 'configuration')
    deps.logger.error('cycle stopped by a configuration error', { errors: summary.errors });
  return summary;
}
