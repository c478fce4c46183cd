/**
 * The body of one work item on the SQS queue, `{"messageId": "..."}`: written
 * by `SqsWorkQueue`, read back by the worker. Reading never throws: a body
 * that is not JSON, or not that shape, can never be synced however often SQS
 * redelivers it, so the worker logs it and lets it go instead of sending it
 * round the retries to the DLQ.
 */
import * as z from 'zod';

/** The one field a work item carries (limits as the store's for a messageId). */
const workItemBody = z.object({ messageId: z.string().min(1).max(256) });

/** The body as `SqsWorkQueue` writes it. */
export function formatWorkItemBody(messageId: string): string {
  return JSON.stringify({ messageId });
}

/** A body read back: the messageId, or what is wrong with it (never the body itself). */
export type ParsedWorkItemBody =
  | { readonly ok: true; readonly messageId: string }
  | { readonly ok: false; readonly problem: string };

/** Reads a work item's body; `ok: false` names the problem for the log. */
export function parseWorkItemBody(body: string | undefined): ParsedWorkItemBody {
  let json: unknown;
  try {
    json = JSON.parse(body ?? '');
  } catch {
    // The SyntaxError quotes the body: say only that it is not JSON.
    return { ok: false, problem: `not JSON (${body?.length ?? 0} characters)` };
  }
  const parsed = workItemBody.safeParse(json);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `${i.path.join('.') || '(body)'}: ${i.message}`);
    return { ok: false, problem: `not a work item: ${issues.join('; ')}` };
  }
  return { ok: true, messageId: parsed.data.messageId };
}
