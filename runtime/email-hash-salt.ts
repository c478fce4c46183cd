/**
 * The email hash salt at run time. In AWS it comes from the Secrets Manager
 * secret named by `EMAIL_HASH_SALT_SECRET` (the construct's
 * `emailHashSaltSecret`), read through Powertools Parameters like the API key
 * (api-key.ts): kept in memory for `maxAge` seconds, then read again, and
 * concurrent first reads share one request. Locally, `EMAIL_HASH_SALT` is used
 * as it is. A salt that changes is not rotated into use: the publication check
 * (shared/privacy/checked-publication.ts) refuses it, since every pseudonym
 * would change under the same eventIds.
 *
 * The salt never reaches a log, an error message or the template.
 */
import { getSecret } from '@aws-lambda-powertools/parameters/secrets';
import { ConfigError } from '../shared/config.ts';
import { DEFAULT_MAX_AGE_SECONDS, type FetchSecret, PLACEHOLDER_FIELD } from './api-key.ts';

export interface SaltLoaderOptions {
  /** ARN or name of the secret; null: use `salt`. */
  readonly secretId: string | null;
  /** The salt from the environment (`EMAIL_HASH_SALT`), when not in a secret. */
  readonly salt: string | null;
  readonly maxAgeSeconds?: number;
  /** Default: Powertools `getSecret` with `maxAge`. */
  readonly fetchSecret?: FetchSecret;
}

const powertoolsFetch: FetchSecret = (secretId, maxAgeSeconds) =>
  getSecret(secretId, { maxAge: maxAgeSeconds });

/**
 * The function the runtime asks for the salt before each publication check.
 *
 * @throws ConfigError (from the returned function) when the secret cannot be
 *   read, is empty, or still holds the placeholder written at deploy time.
 */
export function createSaltLoader(options: SaltLoaderOptions): () => Promise<string | null> {
  const secretId = options.secretId;
  if (secretId === null) {
    const salt = options.salt;
    return async () => salt;
  }
  const fetchSecret = options.fetchSecret ?? powertoolsFetch;
  const maxAge = options.maxAgeSeconds ?? DEFAULT_MAX_AGE_SECONDS;
  const read = async (): Promise<string> => {
    let value: string | Uint8Array | undefined;
    try {
      value = await fetchSecret(secretId, maxAge);
    } catch (error) {
      const name = error instanceof Error && error.cause instanceof Error ? error.cause.name : '';
      throw new ConfigError(
        `Cannot read the email hash salt from secret ${secretId}${name ? ` (${name})` : ''}: check that it exists in this region and that this role may read it`,
        { cause: error },
      );
    }
    return saltFromSecretValue(secretId, value);
  };
  let inFlight: Promise<string> | undefined;
  return () => {
    inFlight ??= read().finally(() => {
      inFlight = undefined;
    });
    return inFlight;
  };
}

/** The salt in a secret value: the plain string, or the `salt` field of a JSON object. */
export function saltFromSecretValue(
  secretId: string,
  value: string | Uint8Array | undefined,
): string {
  const text = (
    value instanceof Uint8Array ? new TextDecoder().decode(value) : (value ?? '')
  ).trim();
  const howToSet = `set it with \`aws secretsmanager put-secret-value --secret-id ${secretId} --secret-string "$(openssl rand -hex 32)"\` before the first event is published`;
  if (text === '')
    throw new ConfigError(`Secret ${secretId} (email hash salt) is empty: ${howToSet}`);
  if (!text.startsWith('{')) return text;
  let fields: Record<string, unknown>;
  try {
    const parsed: unknown = JSON.parse(text);
    fields =
      typeof parsed === 'object' && parsed !== null ? (parsed as Record<string, unknown>) : {};
  } catch {
    return text;
  }
  if (typeof fields.salt === 'string' && fields.salt.trim() !== '') return fields.salt.trim();
  if (PLACEHOLDER_FIELD in fields) {
    throw new ConfigError(
      `Secret ${secretId} still holds the placeholder written at deploy time, not a salt: ${howToSet}`,
    );
  }
  throw new ConfigError(
    `Secret ${secretId} is a JSON object without a non-empty "salt" field: store the salt as plain text or as {"salt": "..."}`,
  );
}
