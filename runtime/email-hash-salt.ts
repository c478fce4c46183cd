/**
 * The email hash salt at run time. In AWS it comes from the Secrets Manager
 * secret named by `EMAIL_HASH_SALT_SECRET` (the construct's
 * `emailHashSaltSecret`), read through Powertools Parameters like the API key
 * (api-key.ts, secret-value.ts): kept in memory for `maxAge` seconds, then read again, and
 * concurrent first reads share one request. Locally, `EMAIL_HASH_SALT` is used
 * as it is. A salt that changes is not rotated into use: the publication check
 * (shared/privacy/checked-publication.ts) refuses it, since every pseudonym
 * would change under the same eventIds.
 *
 * The salt never reaches a log, an error message or the template.
 */
import { ConfigError } from '../shared/config.ts';
import { createSecretLoader, type FetchSecret, fieldFromSecretValue } from './secret-value.ts';

export interface SaltLoaderOptions {
  /** ARN or name of the secret; null: use `salt`. */
  readonly secretId: string | null;
  /** The salt from the environment (`EMAIL_HASH_SALT`), when not in a secret. */
  readonly salt: string | null;
  readonly maxAgeSeconds?: number;
  /** Default: Powertools `getSecret` with `maxAge`. */
  readonly fetchSecret?: FetchSecret;
}

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
  return createSecretLoader({
    secretId,
    maxAgeSeconds: options.maxAgeSeconds,
    fetchSecret: options.fetchSecret,
    explainFetchError: (error) => {
      const name = error instanceof Error && error.cause instanceof Error ? error.cause.name : '';
      return new ConfigError(
        `Cannot read the email hash salt from secret ${secretId}${name ? ` (${name})` : ''}: check that it exists in this region and that this role may read it`,
        { cause: error },
      );
    },
    parse: (value) => saltFromSecretValue(secretId, value),
  });
}

/** The salt in a secret value: the plain string, or the `salt` field of a JSON object. */
export function saltFromSecretValue(
  secretId: string,
  value: string | Uint8Array | undefined,
): string {
  const howToSet = `set it with \`aws secretsmanager put-secret-value --secret-id ${secretId} --secret-string "$(openssl rand -hex 32)"\` before the first event is published`;
  return fieldFromSecretValue(value, 'salt', (problem) => {
    switch (problem) {
      case 'empty':
        return new ConfigError(`Secret ${secretId} (email hash salt) is empty: ${howToSet}`);
      case 'placeholder':
        return new ConfigError(
          `Secret ${secretId} still holds the placeholder written at deploy time, not a salt: ${howToSet}`,
        );
      case 'no-field':
        return new ConfigError(
          `Secret ${secretId} is a JSON object without a non-empty "salt" field: store the salt as plain text or as {"salt": "..."}`,
        );
    }
  });
}
