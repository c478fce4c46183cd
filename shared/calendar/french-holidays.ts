/**
 * French public holidays (jours fériés), the days MailPartner holds commercial
 * mail besides Sundays: 1 January, Easter Monday, 1 May, 8 May, Ascension
 * Thursday, Whit Monday, 14 July, 15 August, 1 November, 11 November, 25 December.
 *
 * Hand-written rather than a holidays library: the list is fixed by law, the
 * movable feasts need only the date of Easter, and libraries that cover every
 * country ship hundreds of kilobytes of rules the function bundle would carry.
 */
import type { CalendarDay } from './paris-time.ts';

/** `MM-DD` of the fixed holidays. */
const FIXED = new Set(['01-01', '05-01', '05-08', '07-14', '08-15', '11-01', '11-11', '12-25']);

/** Days after Easter Sunday of the movable holidays: Easter Monday, Ascension, Whit Monday. */
const AFTER_EASTER = [1, 39, 50];

/**
 * Easter Sunday of a Gregorian year (the anonymous Gregorian computus, also
 * known as Meeus/Jones/Butcher).
 */
export function easterSunday(year: number): CalendarDay {
  const a = year % 19;
  const b = Math.floor(year / 100);
  const c = year % 100;
  const d = Math.floor(b / 4);
  const e = b % 4;
  const f = Math.floor((b + 8) / 25);
  const g = Math.floor((b - f + 1) / 3);
  const h = (19 * a + b - d - g + 15) % 30;
  const i = Math.floor(c / 4);
  const k = c % 4;
  const l = (32 + 2 * e + 2 * i - h - k) % 7;
  const m = Math.floor((a + 11 * h + 22 * l) / 451);
  const month = Math.floor((h + l - 7 * m + 114) / 31);
  const day = ((h + l - 7 * m + 114) % 31) + 1;
  return { year, month, day };
}

/** Whether `day` is a French public holiday. */
export function isFrenchPublicHoliday(day: CalendarDay): boolean {
  const mmdd = `${String(day.month).padStart(2, '0')}-${String(day.day).padStart(2, '0')}`;
  if (FIXED.has(mmdd)) return true;
  const easter = easterSunday(day.year);
  const daysAfter =
    (Date.UTC(day.year, day.month - 1, day.day) -
      Date.UTC(easter.year, easter.month - 1, easter.day)) /
    86_400_000;
  return AFTER_EASTER.includes(daysAfter);
}
