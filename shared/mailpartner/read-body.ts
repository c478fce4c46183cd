/**
 * Reading a reply body with a size cap. A `bulk-status` reply lists every
 * recipient of the message, about 130 bytes a row in JSON: 100,000 recipients
 * take 13 MB. The cap is far above any message the engine is sized for and far
 * below a Lambda's memory, so a broken or hostile endless body is cut off
 * rather than buffered whole.
 *
 * Each piece is decoded as it arrives and its bytes let go, so a large body
 * is held once as text (plus the copy `JSON.parse` flattens it into), never
 * also as the bytes it came in.
 */
import { BodyTooLargeError } from './errors.ts';

/**
 * 64 MiB: about 500,000 recipients of JSON. A message past it fails its polls
 * (`ReplyTooLargeError`), and the poison-message rule backs it off and reports it.
 */
export const MAX_BODY_BYTES = 64 * 1024 * 1024;

/**
 * The body as UTF-8 text (invalid bytes become U+FFFD rather than failing),
 * reading at most `maxBytes`. Stream errors, including an abort of the request's
 * signal, propagate as thrown by the stream.
 *
 * @throws BodyTooLargeError as soon as more than `maxBytes` arrived (the download is cancelled).
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
      text = '';
      // Stop the download; the rest of the body is of no use.
      await reader.cancel().catch(() => {});
      throw new BodyTooLargeError(maxBytes);
    }
    text += decoder.decode(value, { stream: true });
  }
  return text + decoder.decode();
}
