/**
 * Reading a reply body with a size cap. A `bulk-status` reply covers at most a
 * few hundred recipients (one send takes at most 500), so a body of megabytes is
 * a broken or hostile reply and must not be buffered whole into a Lambda.
 */
import { BodyTooLargeError } from './errors.ts';

/** Far above the ~100 KB that 500 recipients take, far below a Lambda's memory. */
export const MAX_BODY_BYTES = 5 * 1024 * 1024;

/**
 * The body as UTF-8 text (invalid bytes become U+FFFD rather than failing),
 * reading at most `maxBytes`. Stream errors, including an abort of the request's
 * signal, propagate as thrown by the stream.
 */
export async function readBodyText(
  response: Response,
  maxBytes: number = MAX_BODY_BYTES,
): Promise<string> {
  if (response.body === null) return '';
  const reader = response.body.getReader();
  const decoder = new TextDecoder('utf-8');
  let received = 0;
  let text = '';
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    received += value.byteLength;
    if (received > maxBytes) {
      // Stop the download; the rest of the body is of no use.
      await reader.cancel().catch(() => {});
      throw new BodyTooLargeError(maxBytes);
    }
    text += decoder.decode(value, { stream: true });
  }
  return text + decoder.decode();
}
