import { describe, expect, it } from 'vitest';
import { BodyTooLargeError } from '../../../shared/mailpartner/errors.ts';
import { readBodyText } from '../../../shared/mailpartner/read-body.ts';

function streamOf(...chunks: Uint8Array[]): Response {
  return new Response(
    new ReadableStream<Uint8Array>({
      start(controller) {
        for (const chunk of chunks) controller.enqueue(chunk);
        controller.close();
      },
    }),
  );
}

describe('readBodyText', () => {
  it('reads a body as UTF-8 text', async () => {
    await expect(readBodyText(new Response('Clé API incorrecte'))).resolves.toBe(
      'Clé API incorrecte',
    );
  });

  it('decodes a character split across two chunks', async () => {
    const bytes = new TextEncoder().encode('é');
    await expect(readBodyText(streamOf(bytes.subarray(0, 1), bytes.subarray(1)))).resolves.toBe(
      'é',
    );
  });

  it('replaces invalid UTF-8 (a Latin-1 body) instead of failing', async () => {
    await expect(readBodyText(streamOf(new Uint8Array([0x43, 0x6c, 0xe9])))).resolves.toBe(
      'Cl\uFFFD',
    );
  });

  it('reads a missing body as empty', async () => {
    await expect(readBodyText(new Response(null, { status: 204 }))).resolves.toBe('');
  });

  it('refuses a body over the limit', async () => {
    const error = await readBodyText(new Response('x'.repeat(11)), 10).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BodyTooLargeError);
    expect((error as BodyTooLargeError).maxBytes).toBe(10);
  });

  it('accepts a body exactly at the limit', async () => {
    await expect(readBodyText(new Response('x'.repeat(10)), 10)).resolves.toHaveLength(10);
  });
});
