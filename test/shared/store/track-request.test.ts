import { DynamoDBClient, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { describe, expect, it } from 'vitest';
import { DynamoStatusStore } from '../../../shared/store/dynamo-status-store.ts';
import { InvalidTrackRequestError } from '../../../shared/store/errors.ts';
import {
  MAX_MESSAGE_ID_LENGTH,
  MAX_METADATA_BYTES,
  MAX_METADATA_KEYS,
  validateTrackRequest,
} from '../../../shared/store/track-request.ts';
import { T0 } from './fixtures.ts';

function keys(n: number): Record<string, string> {
  return Object.fromEntries(Array.from({ length: n }, (_, i) => [`k${i}`, 'v']));
}

describe('validateTrackRequest', () => {
  it.each([
    ['an empty messageId', '', {}, 'messageId must be a non-empty string'],
    ['a blank messageId', '   ', {}, 'messageId must be a non-empty string'],
    ['a messageId that is not a string', 42, {}, 'messageId must be a non-empty string'],
    [
      'a messageId over 256 characters',
      'x'.repeat(MAX_MESSAGE_ID_LENGTH + 1),
      {},
      'messageId is 257 characters long; at most 256 are allowed',
    ],
    ['a newline in the messageId', 'm-1\nm-2', {}, 'must not contain control characters'],
    ['a NUL in the messageId', 'm\u00001', {}, 'must not contain control characters'],
    ['metadata that is an array', 'm-1', ['a'], 'metadata must be an object of string values'],
    ['metadata that is null', 'm-1', null, 'metadata must be an object of string values'],
    ['a number value', 'm-1', { n: 1 }, 'metadata value of "n" must be a string, not number'],
    ['a null value', 'm-1', { n: null }, 'metadata value of "n" must be a string, not null'],
    ['an empty key', 'm-1', { '': 'v' }, 'metadata keys must not be empty'],
    [
      'more than 50 keys',
      'm-1',
      keys(MAX_METADATA_KEYS + 1),
      'metadata has 51 keys; at most 50 are allowed',
    ],
    [
      'more than 4 KB of metadata',
      'm-1',
      { k: 'é'.repeat(2048) },
      'metadata takes 4097 bytes (keys and values, UTF-8); at most 4096 are allowed',
    ],
  ])('refuses %s', (_, messageId, metadata, message) => {
    expect(() => validateTrackRequest(messageId, metadata)).toThrow(InvalidTrackRequestError);
    expect(() => validateTrackRequest(messageId, metadata)).toThrow(message);
  });

  it('accepts the limits themselves', () => {
    expect(() =>
      validateTrackRequest('x'.repeat(MAX_MESSAGE_ID_LENGTH), keys(MAX_METADATA_KEYS)),
    ).not.toThrow();
    expect(() =>
      validateTrackRequest('m-1', { k: 'v'.repeat(MAX_METADATA_BYTES - 1) }),
    ).not.toThrow();
    expect(() => validateTrackRequest('msg_ÄÖ-é:1/2', {})).not.toThrow();
  });
});

describe('DynamoStatusStore.track with an invalid request', () => {
  it('throws InvalidTrackRequestError without sending anything', async () => {
    const client = new DynamoDBClient({
      region: 'us-east-1',
      credentials: { accessKeyId: 'x', secretAccessKey: 'x' },
    });
    const mock = mockClient(client);
    const store = new DynamoStatusStore({ client, tableName: 'status' });

    const error = await store.track('bad\tid', {}, T0).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(InvalidTrackRequestError);
    expect(error).toMatchObject({ name: 'InvalidTrackRequestError' });
    expect(mock.commandCalls(PutItemCommand)).toHaveLength(0);
  });
});
