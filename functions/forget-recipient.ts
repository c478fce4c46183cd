/**
 * The ForgetRecipient function (runtime/forget-request.ts): invoked by an
 * operator with `{"email": "<address>"}`, it erases that recipient from the
 * table and leaves a tombstone; it returns the counts of what it erased.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import { type ForgetRequestDeps, forgetDeps, forgetRequest } from '../runtime/forget-request.ts';
import { lazyHandler } from '../runtime/lazy-handler.ts';
import { createRuntime } from '../runtime/runtime.ts';
import { loadConfig } from '../shared/config.ts';

export function createHandler(deps: ForgetRequestDeps) {
  return middy((event: unknown) => forgetRequest(deps, event)).use(
    injectLambdaContext(deps.logger as Logger),
  );
}

export const handler = lazyHandler(() => {
  const runtime = createRuntime(loadConfig(process.env));
  return createHandler({ forget: forgetDeps(runtime), logger: new Logger() });
});
