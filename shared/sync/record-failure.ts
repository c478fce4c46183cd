/**
 * After a failed poll: reschedule the message whatever went wrong, so a message
 * that fails (a 429 for it alone, a reply the store cannot hold, a corrupt item)
 * never stays oldest-due, first in every cycle, starving the others; back off
 * while it keeps failing the same way; and report it once as a poison message
 * (`MessagePollFailing` on the bus, an error log, the outcome's `poisoned`) when
 * the streak reaches `POISON_AFTER`. Best effort throughout: the store or bus
 * that just failed may fail again, and the next cycle retries anyway.
 */

import type { TrackedMessage } from '../domain/tracked-message.ts';
import type { ErrorKind } from '../errors.ts';
import { messagePollFailing } from '../lifecycle/message-events.ts';
import {
  becamePoison,
  type FailureStreak,
  failureBackoffMs,
  nextStreak,
} from '../lifecycle/poll-failure.ts';
import type { SyncDeps } from '../ports.ts';

export interface FailureRecord {
  readonly streak: FailureStreak;
  /** True when this failure made the message a poison message (reported now). */
  readonly poisoned: boolean;
}

/**
 * @param known - the message as last seen (loaded, or listed as due), for the
 *   streak so far; null when nothing could be read.
 */
export async function recordFailure(
  deps: SyncDeps,
  messageId: string,
  known: TrackedMessage | null,
  errorKind: ErrorKind,
  errorText: string,
): Promise<FailureRecord> {
  const now = deps.clock();
  const streak = nextStreak(known?.failure, errorKind, now);
  const nextPollAt = new Date(now.getTime() + failureBackoffMs(deps.policy, streak));
  await deps.store
    .recordPoll(messageId, now, nextPollAt, { failure: streak })
    .catch(() => undefined);
  const poisoned = becamePoison(streak);
  if (poisoned) {
    deps.log?.error('poison message: its polls keep failing the same way', {
      messageId,
      errorKind,
      failures: streak.count,
      failingSince: streak.since,
      nextPollAt: nextPollAt.toISOString(),
      error: errorText,
    });
    if (known) {
      const event = messagePollFailing(known, streak, errorText, nextPollAt, now);
      await deps.publisher.publish([event]).catch(() => undefined);
    }
  }
  return { streak, poisoned };
}
