/**
 * Where the email hash salt comes from: a Secrets Manager secret (through the
 * shared rotation-safe loader, runtime/secret-value.ts) or EMAIL_HASH_SALT.
 * The fetch is injected, so no AWS is called.
 */
import { describe, expect, it } from 'vitest';
import { createSaltLoader, saltFromSecretValue } from '../../runtime/email-hash-salt.ts';
import { PLACEHOLDER_FIELD } from '../../runtime/secret-value.ts';
import { ConfigError } from '../../shared/config.ts';

const SALT = '5a1t-0f-the-e4rth';

describe('createSaltLoader', () => {
  it('uses the salt from the environment when no secret is named, without fetching', async () => {
    let fetches = 0;
    const load = createSaltLoader({
      secretId: null,
      salt: SALT,
      fetchSecret: async () => {
        fetches++;
        return 'other';
      },
    });
    expect(await load()).toBe(SALT);
    expect(fetches).toBe(0);
  });

  it('shares one fetch among concurrent loads and passes the secret id and maxAge', async () => {
    const calls: Array<[string, number]> = [];
    const load = createSaltLoader({
      secretId: 'salt-secret',
      salt: 'ignored',
      maxAgeSeconds: 42,
      fetchSecret: async (id, maxAge) => {
        calls.push([id, maxAge]);
        return JSON.stringify({ salt: ` ${SALT} ` });
      },
    });
    expect(await Promise.all([load(), load(), load()])).toEqual([SALT, SALT, SALT]);
    expect(calls).toEqual([['salt-secret', 42]]);
    // Once settled, the next load asks again (the fetch's own cache decides whether to call AWS).
    expect(await load()).toBe(SALT);
    expect(calls).toHaveLength(2);
  });

  it('turns a failed read into a ConfigError naming the SDK error, not the value', async () => {
    const sdkError = Object.assign(new Error('denied'), { name: 'AccessDeniedException' });
    const load = createSaltLoader({
      secretId: 'salt-secret',
      salt: null,
      fetchSecret: async () => {
        throw new Error('wrapped', { cause: sdkError });
      },
    });
    const error = await load().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toContain('secret salt-secret (AccessDeniedException)');
  });
});

describe('saltFromSecretValue', () => {
  it('takes plain text, bytes, or the salt field of a JSON secret', () => {
    expect(saltFromSecretValue('s', `${SALT}\n`)).toBe(SALT);
    expect(saltFromSecretValue('s', new TextEncoder().encode(SALT))).toBe(SALT);
    expect(saltFromSecretValue('s', JSON.stringify({ salt: SALT }))).toBe(SALT);
    expect(saltFromSecretValue('s', '{not json')).toBe('{not json');
  });

  it('refuses an empty secret, the placeholder and a JSON secret without salt, never echoing it', () => {
    expect(() => saltFromSecretValue('s', ' ')).toThrow(/Secret s \(email hash salt\) is empty/);
    const placeholder = JSON.stringify({ [PLACEHOLDER_FIELD]: 'r4nd0m' });
    expect(() => saltFromSecretValue('s', placeholder)).toThrow(/still holds the placeholder/);
    expect(() => saltFromSecretValue('s', placeholder)).toThrow(
      expect.objectContaining({ message: expect.not.stringContaining('r4nd0m') }),
    );
    expect(() => saltFromSecretValue('s', JSON.stringify({ key: SALT }))).toThrow(
      /without a non-empty "salt" field/,
    );
    expect(() => saltFromSecretValue('s', ' ')).toThrow(ConfigError);
  });
});
