/**
 * The MailPartner API key at run time. In AWS it comes from the Secrets Manager
 * secret named by `MAILPARTNER_API_KEY_SECRET` (ARN or name), read through
 * Powertools Parameters (secret-value.ts), which keeps it in memory for `maxAge`
 * seconds: a warm function asks Secrets Manager at most once per period, and a
 * key replaced with `put-secret-value` is picked up within that period. Locally, with no
 * secret configured, `MAILPARTNER_API_KEY` is used as it is.
 *
 * The key itself never reaches a log, an error message or the template.
 */
import { ProviderConfigurationError } from '../shared/mailpartner/errors.ts';
import { createSecretLoader, type FetchSecret, fieldFromSecretValue } from './secret-value.ts';

// The stack's placeholder marker, exported where the key's secret is created and tested.
export { PLACEHOLDER_FIELD } from './secret-value.ts';

/** Environment variable holding the secret's ARN or name. */
export const API_KEY_SECRET_ENV = 'MAILPARTNER_API_KEY_SECRET';

export interface ApiKeyLoaderOptions {
  /** Default: `process.env`, read once when the loader is created. */
  readonly env?: Readonly<Record<string, string | undefined>>;
  readonly maxAgeSeconds?: number;
  /** Default: Powertools `getSecret` with `maxAge` (in-memory cache per container). */
  readonly fetchSecret?: FetchSecret;
}

/** SDK error names that no retry will fix: someone must change the secret or the role. */
const CONFIGURATION_FAILURES = new Set([
  'ResourceNotFoundException',
  'AccessDeniedException',
  'DecryptionFailure',
  'InvalidRequestException',
  'InvalidParameterException',
]);

/**
 * Returns the function `createRuntime` calls before each poll that needs the key.
 * Resolves to null only when neither a secret nor `MAILPARTNER_API_KEY` is
 * configured (the provider then reports its own configuration error).
 *
 * @throws ProviderConfigurationError (from the returned function) when the secret
 *   is missing, unreadable by this role, empty, or still the deploy-time placeholder.
 */
export function createApiKeyLoader(
  options: ApiKeyLoaderOptions = {},
): () => Promise<string | null> {
  const env = options.env ?? process.env;
  const secretId = env[API_KEY_SECRET_ENV]?.trim();
  if (!secretId) {
    const key = env.MAILPARTNER_API_KEY?.trim() || null;
    return async () => key;
  }
  return createSecretLoader({
    secretId,
    maxAgeSeconds: options.maxAgeSeconds,
    fetchSecret: options.fetchSecret,
    explainFetchError: (error) => explainFetchError(secretId, error),
    parse: (value) => keyFromSecretValue(secretId, value),
  });
}

let defaultLoader: (() => Promise<string | null>) | undefined;

/** The loader for this process's environment, created on first use. */
export function loadApiKey(): Promise<string | null> {
  defaultLoader ??= createApiKeyLoader();
  return defaultLoader();
}

/**
 * The key in a secret value: the plain string, or the `apiKey` field of a JSON
 * object (the console's key/value form).
 */
export function keyFromSecretValue(
  secretId: string,
  value: string | Uint8Array | undefined,
): string {
  const howToSet = `set it with \`aws secretsmanager put-secret-value --secret-id ${secretId} --secret-string <your MailPartner API key>\``;
  return fieldFromSecretValue(value, 'apiKey', (problem) => {
    switch (problem) {
      case 'empty':
        return new ProviderConfigurationError(`Secret ${secretId} is empty: ${howToSet}`);
      case 'placeholder':
        return new ProviderConfigurationError(
          `Secret ${secretId} still holds the placeholder written at deploy time, not an API key: ${howToSet}`,
        );
      case 'no-field':
        return new ProviderConfigurationError(
          `Secret ${secretId} is a JSON object without a non-empty "apiKey" field: store the key as plain text or as {"apiKey": "..."}`,
        );
    }
  });
}

/** Secrets Manager refusals become configuration errors; anything else (network, throttling) is rethrown as is. */
function explainFetchError(secretId: string, error: unknown): unknown {
  // Powertools wraps the SDK error in GetParameterError; the SDK's own name is on the cause.
  const sdkError = error instanceof Error && error.cause instanceof Error ? error.cause : error;
  if (sdkError instanceof Error && CONFIGURATION_FAILURES.has(sdkError.name)) {
    return new ProviderConfigurationError(
      `Cannot read the MailPartner API key from secret ${secretId} (${sdkError.name}): check that the secret exists in this region and that the function's role may read it`,
      { cause: sdkError },
    );
  }
  return error;
}
