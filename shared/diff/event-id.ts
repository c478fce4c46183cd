/**
 * Deterministic event ids.
 *
 * The id is derived from the transition itself, never from a clock or a random
 * source, so every path that re-derives a transition gets the same id: a diff
 * retried after a crash before commit, an outbox flushed again after a crash
 * before `markPublished`, a `replay`. Consumers dedupe on it (delivery is at
 * least once).
 */
import * as crypto from 'node:crypto';
import type { DetailType } from '../catalog/events.ts';

/** Everything that identifies one transition of one recipient. */
export interface TransitionKey {
  readonly messageId: string;
  /** `recipientKey()` of the recipient. */
  readonly recipientKey: string;
  readonly sequence: number;
  readonly detailType: DetailType;
  readonly previousStatus: string | null;
  readonly status: string;
  readonly stopMail: boolean;
}

/**
 * Bumped only if the hashed fields ever change: ids of old and new derivations
 * must never collide, and a bump is the honest way to say the ids changed.
 */
const ID_SCHEME = 'mailpartner-status-sync/event-id/v1';

/**
 * The id of a transition: SHA-256 over the fields of `key`, shaped as a UUID.
 *
 * - Each field is encoded so that it ends unambiguously (strings carry their
 *   length, null has its own tag), so no two different keys can produce the same
 *   bytes: `('ab', 'c')` and `('a', 'bc')` differ, and so do `null` and `'null'`.
 *   See {@link transitionText}.
 * - `sequence` makes A → B → A two transitions with two ids; the statuses and
 *   `stopMail` make two different transitions derived at the same sequence (a
 *   retry that saw a newer reply) differ too. `cost` and `statusAt` are left out
 *   on purpose: they do not define the transition, and a retry that sees a
 *   refreshed `date` must still produce the same id.
 * - UUID-shaped so that it fits where consumers keep event ids (UUID columns,
 *   idempotency keys, log queries) and looks like the envelope's own `id`: 36
 *   characters, fixed length, valid for any UUID parser. The version nibble is
 *   8 (RFC 9562 "custom": the bits are ours, neither random as in v4 nor SHA-1
 *   as in v5, so no reader mistakes it for either) and the variant bits are
 *   RFC's `10`. That leaves 122 bits of the hash: collisions are not a practical
 *   concern.
 */
export function eventIdFor(key: TransitionKey): string {
  const hex = sha256Hex(transitionText(key));
  // Hex digit 12 is the version nibble (8); the two high bits of digit 16 are the variant (10).
  const variant = ((Number.parseInt(hex.charAt(16), 16) & 0x3) | 0x8).toString(16);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-8${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

/**
 * The hashed text: `|`-separated fields in a fixed order, each string as
 * `s<length>:<text>` and null as `~`. A string that is not well-formed UTF-16
 * (a lone surrogate, which UTF-8 would turn into U+FFFD and so merge with
 * others) is written as `j<length>:<JSON text>` instead, JSON escaping the
 * surrogate. String concatenation rather than `JSON.stringify` of an array:
 * same guarantee, five times faster, which shows at 100,000 recipients.
 */
export function transitionText(key: TransitionKey): string {
  const previous = key.previousStatus === null ? '~' : text(key.previousStatus);
  return `${ID_SCHEME}|${text(key.messageId)}|${text(key.recipientKey)}|${key.sequence}|${text(key.detailType)}|${previous}|${text(key.status)}|${key.stopMail ? 1 : 0}`;
}

/** A surrogate code unit not part of a pair (`String#isWellFormed` is ES2024, past our lib). */
const LONE_SURROGATE = /\p{Cs}/u;

function text(value: string): string {
  if (!LONE_SURROGATE.test(value)) return `s${value.length}:${value}`;
  const json = JSON.stringify(value);
  return `j${json.length}:${json}`;
}

/**
 * SHA-256 as hex. The one-shot `crypto.hash` (Node 20.12+) is about twice as fast
 * as `createHash` for inputs this small, which matters at 100,000 recipients;
 * both give the same digest.
 */
const sha256Hex: (data: string) => string =
  typeof crypto.hash === 'function'
    ? (data) => crypto.hash('sha256', data, 'hex')
    : (data) => crypto.createHash('sha256').update(data).digest('hex');
