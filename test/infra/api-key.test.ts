/**
 * Where the poller's API key comes from: Secrets Manager through Powertools
 * (cached), or MAILPARTNER_API_KEY locally. The SDK client is mocked at its
 * `send`; Powertools' own provider and cache run for real.
 */
import {
  GetSecretValueCommand,
  ResourceNotFoundException,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  API_KEY_SECRET_ENV,
  createApiKeyLoader,
  keyFromSecretValue,
  PLACEHOLDER_FIELD,
} from '../../runtime/api-key.ts';
import { ProviderConfigurationError } from '../../shared/mailpartner/errors.ts';
import { classifyError } from '../../shared/sync/error-kind.ts';

const KEY = 'mp-live-9c1e5b7f3a';
const secretsManager = mockClient(SecretsManagerClient);
let n = 0;
/** Powertools caches by secret id for the whole process: a fresh id per test. */
let secretId: string;

beforeEach(() => {
  secretsManager.reset();
  secretId = `arn:aws:secretsmanager:eu-west-1:111122223333:secret:mailpartner-${++n}-AbCdEf`;
});
afterEach(() => secretsManager.reset());

describe('createApiKeyLoader without a secret', () => {
  it('uses MAILPARTNER_API_KEY (local runs)', async () => {
    expect(await createApiKeyLoader({ env: { MAILPARTNER_API_KEY: ` ${KEY} ` } })()).toBe(KEY);
  });

  it('resolves to null when nothing is configured, without calling AWS', async () => {
    expect(await createApiKeyLoader({ env: {} })()).toBeNull();
    expect(secretsManager.calls()).toHaveLength(0);
  });
});

describe('createApiKeyLoader with a secret', () => {
  it('reads the secret, not MAILPARTNER_API_KEY', async () => {
    secretsManager
      .on(GetSecretValueCommand, { SecretId: secretId })
      .resolves({ SecretString: KEY });
    const load = createApiKeyLoader({
      env: { [API_KEY_SECRET_ENV]: secretId, MAILPARTNER_API_KEY: 'ignored' },
    });
    expect(await load()).toBe(KEY);
  });

  it('asks Secrets Manager once per maxAge, however many polls', async () => {
    secretsManager.on(GetSecretValueCommand).resolves({ SecretString: KEY });
    const load = createApiKeyLoader({ env: { [API_KEY_SECRET_ENV]: secretId } });
    for (let i = 0; i < 5; i++) expect(await load()).toBe(KEY);
    expect(secretsManager.commandCalls(GetSecretValueCommand)).toHaveLength(1);
  });

  it('shares one request among concurrent loads on a cold cache', async () => {
    secretsManager.on(GetSecretValueCommand).resolves({ SecretString: KEY });
    const load = createApiKeyLoader({ env: { [API_KEY_SECRET_ENV]: secretId } });
    expect(await Promise.all([load(), load(), load()])).toEqual([KEY, KEY, KEY]);
    expect(secretsManager.commandCalls(GetSecretValueCommand)).toHaveLength(1);
  });

  it('picks up a replaced key once the cached one is too old', async () => {
    secretsManager
      .on(GetSecretValueCommand)
      .resolvesOnce({ SecretString: 'old-key' })
      .resolves({ SecretString: 'new-key' });
    const load = createApiKeyLoader({ env: { [API_KEY_SECRET_ENV]: secretId }, maxAgeSeconds: 0 });
    expect(await load()).toBe('old-key');
    expect(await load()).toBe('new-key');
  });

  it('turns a missing or forbidden secret into a configuration error that stops the cycle', async () => {
    secretsManager.on(GetSecretValueCommand).rejects(
      new ResourceNotFoundException({
        message: "Secrets Manager can't find the specified secret.",
        $metadata: {},
      }),
    );
    const error = await createApiKeyLoader({ env: { [API_KEY_SECRET_ENV]: secretId } })().catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ProviderConfigurationError);
    expect(classifyError(error)).toBe('configuration');
    expect((error as Error).message).toContain(`secret ${secretId} (ResourceNotFoundException)`);
  });

  it('lets a passing fault through as it is (the next poll retries)', async () => {
    const fault = Object.assign(new Error('socket hang up'), { name: 'TimeoutError' });
    secretsManager.on(GetSecretValueCommand).rejects(fault);
    const error = await createApiKeyLoader({ env: { [API_KEY_SECRET_ENV]: secretId } })().catch(
      (e: unknown) => e,
    );
    expect(error).not.toBeInstanceOf(ProviderConfigurationError);
    expect(classifyError(error)).not.toBe('configuration');
  });
});

describe('keyFromSecretValue', () => {
  it('takes a plain-text key, or the apiKey field of a JSON secret', () => {
    expect(keyFromSecretValue('s', `${KEY}\n`)).toBe(KEY);
    expect(keyFromSecretValue('s', JSON.stringify({ apiKey: KEY }))).toBe(KEY);
    expect(keyFromSecretValue('s', new TextEncoder().encode(KEY))).toBe(KEY);
  });

  it("recognises the stack's placeholder and says how to put the key, without echoing the value", () => {
    const placeholder = JSON.stringify({
      note: 'Not an API key',
      [PLACEHOLDER_FIELD]: 'r4nd0m-v4lue',
    });
    const error = (() => {
      try {
        keyFromSecretValue('arn:secret', placeholder);
      } catch (e) {
        return e as Error;
      }
    })();
    expect(error).toBeInstanceOf(ProviderConfigurationError);
    expect(error?.message).toContain('still holds the placeholder');
    expect(error?.message).toContain('aws secretsmanager put-secret-value --secret-id arn:secret');
    expect(error?.message).not.toContain('r4nd0m-v4lue');
  });

  it('refuses an empty secret and a JSON secret without apiKey', () => {
    expect(() => keyFromSecretValue('s', '  ')).toThrow(/Secret s is empty/);
    expect(() => keyFromSecretValue('s', JSON.stringify({ key: KEY }))).toThrow(
      /without a non-empty "apiKey" field/,
    );
    // Whatever the secret holds never appears in the message.
    expect(() => keyFromSecretValue('s', JSON.stringify({ key: KEY }))).toThrow(
      expect.objectContaining({ message: expect.not.stringContaining(KEY) }),
    );
  });
});
