/**
 * Forgotten people stay forgotten: a reply that still lists one loses that row
 * before the diff, so the sync neither stores nor publishes them again. Pure.
 */
import type { BulkStatus } from '../model.ts';

/** The reply without the rows of forgotten people (the reply itself when none is listed). */
export function withoutForgotten(
  reply: BulkStatus,
  isForgotten: (email: string) => boolean,
): BulkStatus {
  const kept = reply.recipients.filter((r) => !isForgotten(r.email));
  return kept.length === reply.recipients.length ? reply : { ...reply, recipients: kept };
}
