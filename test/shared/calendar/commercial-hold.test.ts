import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { commercialHoldRelease, planSend } from '../../../shared/calendar/commercial-hold.ts';
import { easterSunday, isFrenchPublicHoliday } from '../../../shared/calendar/french-holidays.ts';
import { parisWallTime } from '../../../shared/calendar/paris-time.ts';

const release = (iso: string) => commercialHoldRelease(new Date(iso)).toISOString();

describe('commercialHoldRelease', () => {
  it('leaves a mail sent in sending hours of a working day as it is', () => {
    expect(release('2026-12-02T10:15:00.000Z')).toBe('2026-12-02T10:15:00.000Z'); // Wed 11:15
    expect(release('2026-12-05T12:00:00.000Z')).toBe('2026-12-05T12:00:00.000Z'); // Saturday
    expect(release('2026-12-02T07:00:00.000Z')).toBe('2026-12-02T07:00:00.000Z'); // 08:00 sharp
  });

  it('holds a Friday-evening send until Saturday 08:00 (Saturday is a working day)', () => {
    expect(release('2026-12-04T20:30:00.000Z')).toBe('2026-12-05T07:00:00.000Z'); // Fri 21:30
    expect(release('2026-12-04T19:00:00.000Z')).toBe('2026-12-05T07:00:00.000Z'); // 20:00 sharp
  });

  it('holds an early-morning send until 08:00 the same working day', () => {
    expect(release('2026-12-02T05:59:00.000Z')).toBe('2026-12-02T07:00:00.000Z'); // Wed 06:59
  });

  it('holds a Saturday 20:30 send before Easter Monday until Tuesday 08:00, across summer time', () => {
    // Saturday 27 March 2027 20:30 CET → Sunday (summer time starts) → Easter Monday → Tuesday 08:00 CEST.
    expect(release('2027-03-27T19:30:00.000Z')).toBe('2027-03-30T06:00:00.000Z');
  });

  it('holds a Sunday send until Monday 08:00', () => {
    expect(release('2026-12-06T10:00:00.000Z')).toBe('2026-12-07T07:00:00.000Z');
  });

  it('skips Christmas, New Year, Ascension Thursday and Whit Monday', () => {
    expect(release('2026-12-24T19:30:00.000Z')).toBe('2026-12-26T07:00:00.000Z'); // Thu eve → Sat
    expect(release('2026-12-31T21:00:00.000Z')).toBe('2027-01-02T07:00:00.000Z'); // → Sat 2 Jan
    expect(release('2027-05-05T19:00:00.000Z')).toBe('2027-05-07T06:00:00.000Z'); // Ascension 6 May
    expect(release('2027-05-15T19:00:00.000Z')).toBe('2027-05-18T06:00:00.000Z'); // Sat → Sun → Whit Mon
  });

  it('always returns an instant in sending hours of a working day, never earlier than asked, and is idempotent', () => {
    const start = Date.parse('2026-01-01T00:00:00Z');
    const end = Date.parse('2032-12-31T00:00:00Z');
    fc.assert(
      fc.property(fc.integer({ min: start, max: end }), (ms) => {
        const at = new Date(ms);
        const out = commercialHoldRelease(at);
        const wall = parisWallTime(out);
        expect(out.getTime()).toBeGreaterThanOrEqual(ms);
        expect(wall.weekday).not.toBe(0);
        expect(isFrenchPublicHoliday(wall)).toBe(false);
        expect(wall.hour >= 8 && wall.hour < 20).toBe(true);
        expect(commercialHoldRelease(out).getTime()).toBe(out.getTime());
        // No sending slot is skipped: every half hour in between is held.
        for (let t = ms + 30 * 60_000; t < out.getTime(); t += 30 * 60_000) {
          const w = parisWallTime(new Date(t));
          const sending =
            w.weekday !== 0 && !isFrenchPublicHoliday(w) && w.hour >= 8 && w.hour < 20;
          expect(sending).toBe(false);
        }
      }),
      { numRuns: 300, seed: 20261201 },
    );
  });
});

describe('French public holidays', () => {
  it('computes Easter Sunday', () => {
    expect(easterSunday(2025)).toEqual({ year: 2025, month: 4, day: 20 });
    expect(easterSunday(2026)).toEqual({ year: 2026, month: 4, day: 5 });
    expect(easterSunday(2027)).toEqual({ year: 2027, month: 3, day: 28 });
    expect(easterSunday(2038)).toEqual({ year: 2038, month: 4, day: 25 });
  });

  it('lists the eleven holidays of 2027 and nothing else', () => {
    const holidays: string[] = [];
    for (let d = Date.UTC(2027, 0, 1); d < Date.UTC(2028, 0, 1); d += 86_400_000) {
      const date = new Date(d);
      const day = { year: 2027, month: date.getUTCMonth() + 1, day: date.getUTCDate() };
      if (isFrenchPublicHoliday(day)) holidays.push(date.toISOString().slice(5, 10));
    }
    expect(holidays).toEqual([
      '01-01',
      '03-29', // Easter Monday
      '05-01',
      '05-06', // Ascension Thursday
      '05-08',
      '05-17', // Whit Monday
      '07-14',
      '08-15',
      '11-01',
      '11-11',
      '12-25',
    ]);
  });
});

describe('planSend', () => {
  const trackedAt = new Date('2027-03-27T19:30:00Z'); // Saturday 20:30 in Paris

  it('a mail sent now in sending hours leaves now', () => {
    const at = new Date('2027-03-26T10:00:00Z');
    expect(planSend({ trackedAt: at, commercialHold: true })).toEqual({
      sendAt: null,
      expectedSendAt: at.toISOString(),
      reason: 'now',
    });
  });

  it('a mail sent in the hold is held until it lifts', () => {
    expect(planSend({ trackedAt, commercialHold: true })).toEqual({
      sendAt: null,
      expectedSendAt: '2027-03-30T06:00:00.000Z',
      reason: 'held',
    });
  });

  it('with the hold switched off, a mail sent at night leaves now', () => {
    expect(planSend({ trackedAt, commercialHold: false })).toMatchObject({ reason: 'now' });
  });

  it('a scheduled send in sending hours is scheduled; one in the hold is held', () => {
    const sendAt = new Date('2027-04-06T08:30:00Z'); // Tuesday 10:30 CEST
    expect(planSend({ trackedAt, sendAt, commercialHold: true })).toEqual({
      sendAt: sendAt.toISOString(),
      expectedSendAt: sendAt.toISOString(),
      reason: 'scheduled',
    });
    const night = new Date('2027-04-06T20:00:00Z'); // Tuesday 22:00 CEST
    expect(planSend({ trackedAt, sendAt: night, commercialHold: true })).toEqual({
      sendAt: night.toISOString(),
      expectedSendAt: '2027-04-07T06:00:00.000Z',
      reason: 'held',
    });
  });
});
