/**
 * The ForgetRecipient function's use of the engine: an operator invokes it
 * with `{"email": "<address>"}` (aws lambda invoke, see docs/privacy.md), it
 * runs the erasure (shared/privacy/forget.ts) and returns what was erased.
 *
 * An invocation, not an event on the bus: an address put on the bus would
 * reach every rule, archive and consumer of it, which is what erasure is for
 * avoiding. The address is never logged nor returned; errors do not name it.
 */
import type { Logger } from '@aws-lambda-powertools/logger';
import { LOG_MESSAGES } from '../shared/catalog/telemetry.ts';
import { ForgetRequestError } from '../shared/privacy/errors.ts';
import { type ForgetDeps, type ForgetResult, forgetRecipient } from '../shared/privacy/forget.ts';
import type { Runtime } from './runtime.ts';

export interface ForgetRequestDeps {
  readonly forget: ForgetDeps;
  readonly logger: Pick<Logger, 'info'>;
}

/** The erasure's collaborators from the runtime (the CLI builds the same). */
export function forgetDeps(
  runtime: Pick<Runtime, 'publication' | 'tombstones' | 'eraser'>,
  clock: () => Date = () => new Date(),
): ForgetDeps {
  return {
    publication: runtime.publication,
    tombstones: runtime.tombstones,
    eraser: runtime.eraser,
    clock,
  };
}

/**
 * Forgets the recipient named by `event.email`.
 *
 * @throws ForgetRequestError when the payload is not `{"email": "<address>"}`.
 */
export async function forgetRequest(
  deps: ForgetRequestDeps,
  event: unknown,
): Promise<ForgetResult> {
  const email = (event as { email?: unknown } | null)?.email;
  if (typeof email !== 'string') {
    throw new ForgetRequestError('ForgetRecipient expects the payload {"email": "<address>"}');
  }
  const result = await forgetRecipient(deps.forget, email);
  const { key, ...counts } = result;
  deps.logger.info(LOG_MESSAGES.recipientForgotten, { key: key.slice(0, 16), ...counts });
  return result;
}
