/**
 * `npm start -- --handler <file>`: the consumer's own module, loaded as the
 * Lambda runtime would load it (its exported `handler`), invoked with each
 * matching event and a minimal Lambda-like context. TypeScript handlers work
 * because `npm start` runs under tsx.
 */
import { randomUUID } from 'node:crypto';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { StatusSyncError } from '../shared/errors.ts';
import type { EventEnvelope } from './envelope.ts';

/** The handler file cannot be used (the message says why and what to do). */
export class HandlerLoadError extends StatusSyncError {
  readonly kind = 'configuration';

  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'HandlerLoadError';
  }
}

type Handler = (event: EventEnvelope, context: Record<string, unknown>) => unknown;

/** Imports `file` and returns a target calling its `handler`; throws `HandlerLoadError`. */
export async function loadHandler(
  file: string,
): Promise<(event: EventEnvelope) => Promise<unknown>> {
  const path = resolve(file);
  let loaded: { handler?: unknown; default?: { handler?: unknown } };
  try {
    loaded = (await import(pathToFileURL(path).href)) as typeof loaded;
  } catch (error) {
    throw new HandlerLoadError(
      `--handler ${file}: cannot load it (${error instanceof Error ? error.message : String(error)})`,
      { cause: error },
    );
  }
  // A CommonJS module imported as ESM puts its exports under `default`.
  const handler = (loaded.handler ?? loaded.default?.handler) as Handler | undefined;
  if (typeof handler !== 'function') {
    throw new HandlerLoadError(
      `--handler ${file}: it exports no function named "handler" (export const handler = async (event) => { ... })`,
    );
  }
  return async (event) =>
    handler(event, {
      functionName: 'local-consumer',
      awsRequestId: randomUUID(),
      invokedFunctionArn: 'arn:aws:lambda:local:000000000000:function:local-consumer',
      getRemainingTimeInMillis: () => 30_000,
      callbackWaitsForEmptyEventLoop: false,
    });
}
