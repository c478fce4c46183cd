/**
 * Issue 16 finding 10: duplicate rows of one recipient in one reply merge by a
 * rule that never loses an unsubscribe nor a more advanced status.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { mergeDuplicateRows, mergeReports } from '../../../shared/diff/merge-rows.ts';
import { statusRank } from '../../../shared/diff/status.ts';
import { type RecipientReport, recipientKey } from '../../../shared/model.ts';

const row = (over: Partial<RecipientReport> = {}): RecipientReport => ({
  email: 'a@x.fr',
  token: 't',
  status: 'Waiting',
  cost: 1,
  stopMail: false,
  statusAt: '2026-11-27T09:00:00.000Z',
  ...over,
});

describe('statusRank', () => {
  it.each([
    ['Waiting', 0],
    ['', 0],
    ['Some new status', 0],
    ['Delivered', 1],
    ['Not delivered', 1],
    ['BOUNCED', 1],
    ['Opened', 2],
    ['clicked', 3],
  ])('%j ranks %i', (status, rank) => {
    expect(statusRank(status)).toBe(rank);
  });
});

describe('mergeReports (finding 10)', () => {
  it('Delivered with stopMail then Waiting without: Delivered, stopMail kept', () => {
    const delivered = row({ status: 'Delivered', stopMail: true, cost: 2 });
    expect(mergeReports(delivered, row())).toEqual(delivered);
  });

  it('Waiting with stopMail then Delivered without: Delivered with stopMail', () => {
    const delivered = row({ status: 'Delivered', cost: 2, statusAt: '2026-11-27T10:00:00.000Z' });
    expect(mergeReports(row({ stopMail: true }), delivered)).toEqual({
      ...delivered,
      stopMail: true,
    });
  });

  it('Opened then Delivered: Opened (a status never goes backwards)', () => {
    expect(mergeReports(row({ status: 'Opened' }), row({ status: 'Delivered' })).status).toBe(
      'Opened',
    );
  });

  it('equal ranks: the later row (Delivered then Not delivered)', () => {
    expect(
      mergeReports(row({ status: 'Delivered' }), row({ status: 'Not delivered' })).status,
    ).toBe('Not delivered');
    expect(mergeReports(row({ status: 'Queued' }), row({ status: 'Waiting' })).status).toBe(
      'Waiting',
    );
  });

  const report: fc.Arbitrary<RecipientReport> = fc.record({
    email: fc.constant('a@x.fr'),
    token: fc.constant('t'),
    status: fc.constantFrom('Waiting', '', 'Delivered', 'Not delivered', 'Opened', 'Clicked', 'X'),
    cost: fc.option(fc.integer({ min: 0, max: 5 })),
    stopMail: fc.boolean(),
    statusAt: fc.constant(null),
  });

  it('is associative and idempotent, keeps stopMail if any row has it and the highest rank', () => {
    fc.assert(
      fc.property(fc.array(report, { minLength: 1, maxLength: 6 }), (rows) => {
        const merged = rows.reduce(mergeReports);
        expect(merged.stopMail).toBe(rows.some((r) => r.stopMail));
        expect(statusRank(merged.status)).toBe(Math.max(...rows.map((r) => statusRank(r.status))));
        expect(mergeReports(merged, merged)).toEqual(merged);
        const [first, ...rest] = rows as [RecipientReport, ...RecipientReport[]];
        if (rest.length >= 2) {
          const [b, c] = rest as [RecipientReport, RecipientReport];
          expect(mergeReports(mergeReports(first, b), c)).toEqual(
            mergeReports(first, mergeReports(b, c)),
          );
        }
      }),
    );
  });
});

describe('mergeDuplicateRows', () => {
  it("keeps each recipient once, at its first row's position", () => {
    const merged = mergeDuplicateRows(
      [
        row({ email: 'a@x.fr', status: 'Delivered', stopMail: true }),
        row({ email: 'b@x.fr' }),
        row({ email: 'a@x.fr', status: 'Waiting' }),
      ],
      recipientKey,
    );
    expect([...merged.values()].map((r) => [r.email, r.status, r.stopMail])).toEqual([
      ['a@x.fr', 'Delivered', true],
      ['b@x.fr', 'Waiting', false],
    ]);
  });
});
