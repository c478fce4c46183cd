/**
 * A tracked message as the CLI shows it: the JSON fields of `status`, `list`
 * and `track` (one shape, stable names) and the human phrase of its send plan.
 */
import type { TrackedMessage } from '../shared/domain/tracked-message.ts';

/** The message-level fields of `--json` output. */
export function messageJson(m: TrackedMessage) {
  return {
    messageId: m.messageId,
    state: m.state,
    active: m.active,
    trackedAt: m.trackedAt,
    sendAt: m.sendAt,
    expectedSendAt: m.expectedSendAt,
    sendReason: m.sendReason,
    nextPollAt: m.nextPollAt,
    lastPolledAt: m.lastPolledAt,
    endedAt: m.endedAt,
    metadata: m.metadata,
  };
}

/** "expected to leave …" with its reason, for track and status. */
export function describeSend(m: TrackedMessage): string {
  if (m.sendReason === 'held') {
    return `held by the commercial hold until ${m.expectedSendAt}${m.sendAt ? ` (scheduled ${m.sendAt})` : ''}`;
  }
  if (m.sendReason === 'scheduled') return `scheduled to leave at ${m.expectedSendAt}`;
  return `sent now (${m.expectedSendAt})`;
}
