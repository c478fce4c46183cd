/**
 * What `track` accepts. The limits keep the message item (and the metadata
 * echoed in every event) small.
 */
import type { Metadata } from '../model.ts';
import { InvalidTrackRequestError } from './errors.ts';

export const MAX_MESSAGE_ID_LENGTH = 256;
export const MAX_METADATA_KEYS = 50;
/** UTF-8 bytes of all keys and values together. */
export const MAX_METADATA_BYTES = 4096;

const CONTROL_CHARACTER = /\p{Cc}/u;

/**
 * The one written form of a messageId: trimmed, Unicode NFC. `' 12345'` and
 * `'12345'`, or `café` in NFC and NFD, name one MailPartner message; entry
 * points (CLI, TrackMessage event) pass ids through this before tracking or
 * looking one up, so they never become two tracked messages.
 */
export function normalizeMessageId(messageId: string): string {
  return messageId.trim().normalize('NFC');
}

/** @throws InvalidTrackRequestError naming what is wrong. */
export function validateTrackRequest(messageId: unknown, metadata: unknown): void {
  if (typeof messageId !== 'string' || messageId.trim() === '') {
    throw new InvalidTrackRequestError('messageId must be a non-empty string');
  }
  if (messageId !== normalizeMessageId(messageId)) {
    // Stored as is, it would be a second message beside its normalised form.
    throw new InvalidTrackRequestError(
      `messageId ${JSON.stringify(messageId)} has surrounding whitespace or is not in Unicode NFC: ` +
        `track ${JSON.stringify(normalizeMessageId(messageId))}`,
    );
  }
  if (messageId.length > MAX_MESSAGE_ID_LENGTH) {
    throw new InvalidTrackRequestError(
      `messageId is ${messageId.length} characters long; at most ${MAX_MESSAGE_ID_LENGTH} are allowed`,
    );
  }
  if (CONTROL_CHARACTER.test(messageId)) {
    throw new InvalidTrackRequestError(
      'messageId must not contain control characters (newline, tab, NUL...)',
    );
  }
  if (typeof metadata !== 'object' || metadata === null || Array.isArray(metadata)) {
    throw new InvalidTrackRequestError('metadata must be an object of string values');
  }
  const entries = Object.entries(metadata as Metadata);
  if (entries.length > MAX_METADATA_KEYS) {
    throw new InvalidTrackRequestError(
      `metadata has ${entries.length} keys; at most ${MAX_METADATA_KEYS} are allowed`,
    );
  }
  let bytes = 0;
  for (const [key, value] of entries) {
    if (key === '') throw new InvalidTrackRequestError('metadata keys must not be empty');
    if (key === '__proto__') {
      // Stored fine, but lost on every read: plain objects (the SDK's too) take it as the prototype.
      throw new InvalidTrackRequestError('metadata key "__proto__" is reserved: use another name');
    }
    if (typeof value !== 'string') {
      throw new InvalidTrackRequestError(
        `metadata value of "${key}" must be a string, not ${value === null ? 'null' : typeof value}`,
      );
    }
    bytes += Buffer.byteLength(key) + Buffer.byteLength(value);
  }
  if (bytes > MAX_METADATA_BYTES) {
    throw new InvalidTrackRequestError(
      `metadata takes ${bytes} bytes (keys and values, UTF-8); at most ${MAX_METADATA_BYTES} are allowed`,
    );
  }
}
