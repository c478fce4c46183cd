/**
 * What a `bulk-status` reply must look like, as zod schemas over the JSON object
 * shape (the XML form is converted to it first, see `xml-reply.ts`).
 *
 * Tolerant where the provider is known or likely to vary (numbers sent as
 * strings, booleans as "true"/1, the list sent as a PHP-style object), strict
 * where a wrong guess would corrupt data (an email is required, lengths are
 * bounded). Unknown extra keys are ignored.
 */
import * as z from 'zod';
import type { RecipientReport } from '../model.ts';

/** Bounds on row fields: generous, but a value past them is a broken reply, not data. */
export const FIELD_LIMITS = { email: 1024, token: 512, status: 200 } as const;

/**
 * The last Unix second of year 9999: later "dates" are milliseconds or garbage,
 * and would make odd six-digit-year ISO strings downstream.
 */
const MAX_UNIX_SECONDS = 253_402_300_799;

/** An integer, also when sent as a numeric string ("200"). */
const integerLike = z.union(
  [
    z.number().int(),
    z
      .string()
      .trim()
      .regex(/^-?\d{1,15}$/)
      .transform(Number),
  ],
  { error: 'expected an integer (number or numeric string)' },
);

/** true/false, also as "true"/"false" (any case), 1/0 or "1"/"0". */
const booleanLike = z.union(
  [
    z.boolean(),
    z.union([z.literal(0), z.literal(1)]).transform((n) => n === 1),
    z
      .string()
      .trim()
      .toLowerCase()
      .pipe(z.enum(['true', 'false', '1', '0']))
      .transform((s) => s === 'true' || s === '1'),
  ],
  { error: 'expected true/false, 1/0 or their string forms' },
);

/** A string field the provider might also send as a number; absent or null means ''. */
function textField(maxLength: number) {
  return z
    .union([z.string(), z.number().transform(String)])
    .pipe(z.string().max(maxLength))
    .nullish()
    .transform((value) => value ?? '');
}

/** The part every reply has: it says whether the call worked and, if not, why. */
export const replyEnvelopeSchema = z.object({
  success: booleanLike,
  code: integerLike,
  message: z.unknown().optional(),
});

/**
 * A successful reply. `StatutResponseList` is required (a success without it is
 * a broken reply, not "no recipients"); an empty list is fine. A PHP backend
 * emits an object with numeric keys instead of an array once its array has holes,
 * so that form is accepted too, in key order.
 */
export const successReplySchema = z.object({
  messageId: z.union([z.string(), z.number()]).nullish(),
  StatutResponseList: z.union(
    [
      z.array(z.unknown()),
      z
        .record(z.string().regex(/^\d+$/), z.unknown())
        .transform((byIndex) => Object.values(byIndex)),
    ],
    { error: 'expected the list of recipient rows' },
  ),
});

/**
 * One recipient row, normalised into a {@link RecipientReport}.
 *
 * - `email` is required, non-blank and kept exactly as sent: a row without one
 *   cannot be tied to a recipient, so it fails the whole reply (see `parse-reply.ts`).
 * - `token`, `status`: '' when absent or null (a row without a status is a
 *   recipient with no report yet; it is kept, not dropped). Unknown statuses
 *   pass through untouched.
 * - `cost`: a finite number (numeric strings, with '.' or ',' decimals, accepted),
 *   else null.
 * - `stopMail`: false when absent, null or ''; an unrecognised value fails the
 *   row rather than silently claim "not unsubscribed".
 * - `date`: Unix seconds (number or numeric string) as ISO 8601; null when
 *   absent, unreadable, negative, 0 (no real status happened at the epoch) or
 *   past year 9999.
 */
export const recipientRowSchema = z
  .object({
    email: z
      .string()
      .min(1)
      .max(FIELD_LIMITS.email)
      .refine((email) => email.trim() !== '', 'email is blank'),
    token: textField(FIELD_LIMITS.token),
    status: textField(FIELD_LIMITS.status),
    // `.optional()` before each transform: zod otherwise requires the key to be present.
    cost: z.unknown().optional().transform(toCost),
    stopMail: z
      .union([z.literal(''), booleanLike])
      .nullish()
      .transform((value) => value === true),
    date: z.unknown().optional().transform(toStatusAt),
  })
  .transform(
    (row): RecipientReport => ({
      email: row.email,
      token: row.token,
      status: row.status,
      cost: row.cost,
      stopMail: row.stopMail,
      statusAt: row.date,
    }),
  );

function toCost(value: unknown): number | null {
  if (typeof value === 'number') return Number.isFinite(value) ? value : null;
  if (typeof value !== 'string') return null;
  const text = value.trim();
  if (!/^-?\d+(?:[.,]\d+)?$/.test(text)) return null;
  return Number(text.replace(',', '.'));
}

function toStatusAt(value: unknown): string | null {
  let seconds: number;
  if (typeof value === 'number') {
    seconds = value;
  } else if (typeof value === 'string' && /^\d+(?:\.\d+)?$/.test(value.trim())) {
    seconds = Number(value.trim());
  } else {
    return null;
  }
  if (!Number.isFinite(seconds) || seconds <= 0 || seconds > MAX_UNIX_SECONDS) return null;
  return new Date(Math.floor(seconds * 1000)).toISOString();
}
