/**
 * A value kept in a Secrets Manager secret, read at run time in a way that
 * survives rotation: through Powertools Parameters, which keeps it in memory
 * for `maxAge` seconds (a warm function asks Secrets Manager at most once per
 * period, and a value replaced with `put-secret-value` is picked up within
 * that period), with concurrent first reads sharing one request. The API key
 * (api-key.ts) and the email hash salt (email-hash-salt.ts) are both read so;
 * each says which JSON field holds it and which errors it reports.
 *
 * The value itself never reaches a log, an error message or the template.
 */
import { getSecret } from '@aws-lambda-powertools/parameters/secrets';

/** Seconds a fetched secret value is reused before Secrets Manager is asked again. */
export const DEFAULT_MAX_AGE_SECONDS = 300;

/**
 * Field that marks the placeholder value the stack writes when it creates a
 * secret (a JSON object with this key): "no value set yet", not a value.
 */
export const PLACEHOLDER_FIELD = 'placeholder';

/** Reads a secret's current value (`undefined` when it has none). */
export type FetchSecret = (
  secretId: string,
  maxAgeSeconds: number,
) => Promise<string | Uint8Array | undefined>;

export interface SecretLoaderOptions {
  /** ARN or name of the secret. */
  readonly secretId: string;
  readonly maxAgeSeconds?: number;
  /** Default: Powertools `getSecret` with `maxAge` (in-memory cache per container). */
  readonly fetchSecret?: FetchSecret;
  /** What to throw when the fetch fails (it may be the error itself). */
  readonly explainFetchError: (error: unknown) => unknown;
  /** The value in what the secret holds; throws when it holds none. */
  readonly parse: (value: string | Uint8Array | undefined) => string;
}

const powertoolsFetch: FetchSecret = (secretId, maxAgeSeconds) =>
  getSecret(secretId, { maxAge: maxAgeSeconds });

/**
 * Returns a function that resolves to the secret's current value, parsed.
 *
 * @throws (from the returned function) what `explainFetchError` or `parse` throws.
 */
export function createSecretLoader(options: SecretLoaderOptions): () => Promise<string> {
  const { secretId, explainFetchError, parse } = options;
  const fetchSecret = options.fetchSecret ?? powertoolsFetch;
  const maxAge = options.maxAgeSeconds ?? DEFAULT_MAX_AGE_SECONDS;
  const read = async (): Promise<string> => {
    let value: string | Uint8Array | undefined;
    try {
      value = await fetchSecret(secretId, maxAge);
    } catch (error) {
      throw explainFetchError(error);
    }
    return parse(value);
  };
  // A cycle syncs several messages at once, and each asks for the value: on a cold
  // cache they share one request instead of racing to Secrets Manager.
  let inFlight: Promise<string> | undefined;
  return () => {
    inFlight ??= read().finally(() => {
      inFlight = undefined;
    });
    return inFlight;
  };
}

/** Why a secret holds no usable value. */
export type SecretValueProblem = 'empty' | 'placeholder' | 'no-field';

/**
 * The value in a secret: the plain string, or the named field of a JSON object
 * (the console's key/value form), trimmed.
 *
 * @throws what `refuse` returns when the secret is empty, still the deploy-time
 *   placeholder, or a JSON object without a non-empty `field`.
 */
export function fieldFromSecretValue(
  value: string | Uint8Array | undefined,
  field: string,
  refuse: (problem: SecretValueProblem) => Error,
): string {
  const text = (
    value instanceof Uint8Array ? new TextDecoder().decode(value) : (value ?? '')
  ).trim();
  if (text === '') throw refuse('empty');
  if (!text.startsWith('{')) return text;
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    // Not JSON after all: a value that happens to start with "{".
    return text;
  }
  const fields = (typeof parsed === 'object' && parsed !== null ? parsed : {}) as Record<
    string,
    unknown
  >;
  const found = fields[field];
  if (typeof found === 'string' && found.trim() !== '') return found.trim();
  if (PLACEHOLDER_FIELD in fields) throw refuse('placeholder');
  throw refuse('no-field');
}
