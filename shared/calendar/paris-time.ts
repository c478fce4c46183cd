/**
 * Wall-clock time in Europe/Paris, where MailPartner's commercial hold is defined.
 *
 * Uses the platform's ICU time-zone data (`Intl.DateTimeFormat`) instead of a
 * time-zone library: Node ships the full tz database, so summer time follows the
 * same rules the provider's clock does, and the function bundle grows by nothing.
 * Pure: every function takes the instant it works on.
 */

/** A calendar day: month 1–12. */
export interface CalendarDay {
  readonly year: number;
  readonly month: number;
  readonly day: number;
}

/** A Paris wall-clock reading; `weekday` 0 = Sunday … 6 = Saturday. */
export interface ParisWallTime extends CalendarDay {
  readonly hour: number;
  readonly minute: number;
  readonly weekday: number;
}

const ZONE = 'Europe/Paris';
const WEEKDAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MINUTE_MS = 60_000;

// One formatter for the process: building one costs far more than using it.
const formatter = new Intl.DateTimeFormat('en-US', {
  timeZone: ZONE,
  hourCycle: 'h23',
  weekday: 'short',
  year: 'numeric',
  month: 'numeric',
  day: 'numeric',
  hour: 'numeric',
  minute: 'numeric',
});

/** What a clock on a wall in Paris shows at `at`. */
export function parisWallTime(at: Date): ParisWallTime {
  const parts: Record<string, string> = Object.create(null);
  for (const part of formatter.formatToParts(at)) parts[part.type] = part.value;
  return {
    year: Number(parts.year),
    month: Number(parts.month),
    day: Number(parts.day),
    hour: Number(parts.hour),
    minute: Number(parts.minute),
    weekday: WEEKDAYS.indexOf(parts.weekday ?? ''),
  };
}

/** Paris's offset from UTC at `at`, in minutes (60 in winter, 120 in summer). */
function offsetMinutes(at: Date): number {
  const w = parisWallTime(at);
  const asUtc = Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute);
  return Math.round((asUtc - Math.floor(at.getTime() / MINUTE_MS) * MINUTE_MS) / MINUTE_MS);
}

/**
 * The instant when Paris clocks show `day` at `hour:minute`. Meant for hours
 * outside the summer-time switch (02:00–03:00), such as the 08:00 of the hold.
 */
export function parisInstant(day: CalendarDay, hour: number, minute = 0): Date {
  const wall = Date.UTC(day.year, day.month - 1, day.day, hour, minute);
  // Guess with the offset an hour before, then correct once: offsets change at most hourly.
  const guess = new Date(wall - offsetMinutes(new Date(wall - 60 * MINUTE_MS)) * MINUTE_MS);
  return new Date(wall - offsetMinutes(guess) * MINUTE_MS);
}

/** The calendar day after `day`. */
export function nextDay(day: CalendarDay): CalendarDay {
  const d = new Date(Date.UTC(day.year, day.month - 1, day.day + 1));
  return { year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate() };
}
