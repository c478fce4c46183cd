import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { CorruptItemError } from '../../../shared/store/errors.ts';
import { decodeChunk, encodeChunk } from '../../../shared/store/state-chunk.ts';
import { eventOf, recipient } from './fixtures.ts';

const gz = (value: unknown) => gzipSync(JSON.stringify(value));

describe('state chunk codec', () => {
  it('round-trips recipients and outbox', async () => {
    const data = {
      recipients: [recipient(1), recipient(2, { cost: null, stopMail: true })],
      outbox: [eventOf('m-1', recipient(1), '2026-03-01T10:00:00.000Z')],
    };
    expect(await decodeChunk(await encodeChunk(data, 'c'), 'c')).toEqual(data);
  });

  it('names the field of a recipient with the wrong type', async () => {
    const bad = { format: 1, recipients: [{ ...recipient(1), sequence: 'one' }], outbox: [] };
    await expect(decodeChunk(gz(bad), 'STATE#00000 of message m-1')).rejects.toThrow(
      /STATE#00000 of message m-1 is corrupt: .* at recipients\.0\.sequence/,
    );
  });

  it('refuses an unknown format and an outbox event outside the catalog', async () => {
    await expect(decodeChunk(gz({ format: 2, recipients: [], outbox: [] }), 'c')).rejects.toThrow(
      CorruptItemError,
    );
    const stray = { format: 1, recipients: [], outbox: [{ detailType: 'Nope', detail: {} }] };
    await expect(decodeChunk(gz(stray), 'c')).rejects.toThrow(
      'State chunk c is corrupt: an outbox event is invalid',
    );
  });
});
