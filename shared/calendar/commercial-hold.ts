/**
 * When a MailPartner mail actually leaves. The provider sends no commercial
 * mail between 20:00 and 08:00 (Paris time) on working days, nor on Sundays and
 * public holidays; such a mail waits for the next working day at 08:00
 * ("prochain jour ouvrable": Saturday is a working day). A send can also be
 * scheduled ahead. Pure and clock-free: every instant comes in as an argument.
 *
 * Example: sent Saturday 27 March 2027 at 20:30 → Sunday → Easter Monday →
 * leaves Tuesday 30 March at 08:00 (06:00 UTC: summer time began on the Sunday).
 */
import { isFrenchPublicHoliday } from './french-holidays.ts';
import { nextDay, parisInstant, parisWallTime } from './paris-time.ts';

/** Hours (Paris time) during which commercial mail leaves: [08:00, 20:00). */
export const SENDING_HOURS = { from: 8, until: 20 } as const;

/**
 * Why a message is expected to leave when it does: `now` (sent when tracked),
 * `scheduled` (a `sendAt` was given and falls in sending hours), `held` (the
 * commercial hold moved it to the next working day at 08:00).
 */
export type SendReason = 'now' | 'scheduled' | 'held';

/** When a tracked message is expected to leave, and why. */
export interface SendPlan {
  /** ISO 8601: the scheduled send time given when tracking, null for "sent now". */
  readonly sendAt: string | null;
  /** ISO 8601: when the mail is expected to leave the provider. */
  readonly expectedSendAt: string;
  readonly reason: SendReason;
}

/**
 * The first instant at or after `at` when the provider sends commercial mail.
 * `at` itself when it already falls in sending hours of a working day.
 */
export function commercialHoldRelease(at: Date): Date {
  let candidate = at;
  // Bounded: at most a handful of non-working days follow each other (Sunday + holiday).
  for (let step = 0; step < 14; step++) {
    const wall = parisWallTime(candidate);
    const working = wall.weekday !== 0 && !isFrenchPublicHoliday(wall);
    if (working && wall.hour >= SENDING_HOURS.from && wall.hour < SENDING_HOURS.until) {
      return candidate;
    }
    candidate =
      working && wall.hour < SENDING_HOURS.from
        ? parisInstant(wall, SENDING_HOURS.from)
        : parisInstant(nextDay(wall), SENDING_HOURS.from);
  }
  return candidate;
}

/**
 * The send plan of a message tracked at `trackedAt`, optionally scheduled for
 * `sendAt`, under the commercial hold or not (accounts whose restriction the
 * provider lifted switch it off).
 */
export function planSend(input: {
  readonly trackedAt: Date;
  readonly sendAt?: Date | null;
  readonly commercialHold: boolean;
}): SendPlan {
  const requested = input.sendAt ?? input.trackedAt;
  const released = input.commercialHold ? commercialHoldRelease(requested) : requested;
  const reason: SendReason =
    released.getTime() !== requested.getTime() ? 'held' : input.sendAt ? 'scheduled' : 'now';
  return {
    sendAt: input.sendAt ? input.sendAt.toISOString() : null,
    expectedSendAt: released.toISOString(),
    reason,
  };
}
