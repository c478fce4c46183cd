/**
 * Properties of whole histories: a sequence of `bulk-status` replies about a few
 * recipients, each diffed against the state the previous diffs left, exactly as
 * the sync does (feeding `changed` back into the state).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { catalog, type RecipientEvent } from '../../../shared/catalog/events.ts';
import { diffRecipients } from '../../../shared/diff/diff.ts';
import { mergeDuplicateRows } from '../../../shared/diff/merge-rows.ts';
import { classifyStatus, normalizeStatus } from '../../../shared/diff/status.ts';
import type { BulkStatus, RecipientReport, RecipientState } from '../../../shared/model.ts';
import { recipientKey } from '../../../shared/model.ts';

const MESSAGE_ID = 'msg-prop';
const METADATA = { campaign: 'spring', tenant: 'acme' };
const START = Date.parse('2024-05-01T10:00:00.000Z');
const SETTINGS = { seed: 20_240_501, numRuns: 200 } as const;

/** Two rows share an address with different tokens: they are two recipients. */
const IDENTITIES = [
  { email: 'ann@example.com', token: 't1' },
  { email: 'ann@example.com', token: 't2' },
  { email: 'bob@example.com', token: '' },
  { email: 'cy@example.com', token: 'x|y' },
] as const;

/** Known values in odd spellings, unknown values, and fully random strings. */
const status = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.constantFrom(
      'Delivered',
      'DELIVERED',
      ' delivered ',
      'Not delivered',
      'NOT_DELIVERED',
      'not-delivered',
      'Waiting',
      'waiting',
      'Pending',
      'sent',
      'Opened',
      'Clicked',
      'click',
      'Bounced',
      'hard_bounce',
      'ko',
      'Failed',
      'Rejected',
      '',
      'Something New',
      'something_new',
    ),
  },
  { weight: 1, arbitrary: fc.string({ maxLength: 6 }) },
);

const row = fc.record({
  who: fc.constantFrom(...IDENTITIES),
  status,
  stopMail: fc.boolean(),
  cost: fc.option(fc.oneof(fc.integer({ min: 0, max: 5 }), fc.constant(0.5)), { nil: null }),
  statusAt: fc.option(
    fc.integer({ min: START - 86_400_000, max: START }).map((ms) => new Date(ms).toISOString()),
    { nil: null },
  ),
});

type Row = typeof row extends fc.Arbitrary<infer T> ? T : never;

/** A reply lists any subset of the recipients, in any order, possibly one twice. */
const history = fc.array(fc.array(row, { maxLength: 6 }), { minLength: 1, maxLength: 8 });

function toReply(rows: readonly Row[]): BulkStatus {
  return {
    messageId: MESSAGE_ID,
    recipients: rows.map(({ who, ...rest }): RecipientReport => ({ ...who, ...rest })),
  };
}

interface Run {
  readonly state: Map<string, RecipientState>;
  readonly events: RecipientEvent[];
  /** Events of each repeated reply (must all be empty). */
  readonly repeats: RecipientEvent[][];
}

function run(replies: readonly BulkStatus[]): Run {
  const state = new Map<string, RecipientState>();
  const events: RecipientEvent[] = [];
  const repeats: RecipientEvent[][] = [];
  replies.forEach((reply, i) => {
    const observedAt = new Date(START + i * 60_000);
    const result = diffRecipients(state, reply, {
      messageId: MESSAGE_ID,
      metadata: METADATA,
      observedAt,
    });
    events.push(...result.events);
    for (const [key, next] of result.changed) state.set(key, next);
    // The same reply again, a minute later: nothing new to say.
    const again = diffRecipients(state, reply, {
      messageId: MESSAGE_ID,
      metadata: METADATA,
      observedAt: new Date(observedAt.getTime() + 30_000),
    });
    repeats.push(again.events);
    expect(again.changed.size).toBe(0);
  });
  return { state, events, repeats };
}

function byRecipient(events: readonly RecipientEvent[]): Map<string, RecipientEvent[]> {
  const grouped = new Map<string, RecipientEvent[]>();
  for (const event of events) {
    const key = recipientKey(event.detail);
    const list = grouped.get(key) ?? [];
    list.push(event);
    grouped.set(key, list);
  }
  return grouped;
}

describe('diffRecipients over random histories', () => {
  it('(a) replaying the emitted events reproduces the final state', () => {
    fc.assert(
      fc.property(history, (h) => {
        const { state, events } = run(h.map(toReply));
        const grouped = byRecipient(events);
        expect([...grouped.keys()].sort()).toEqual([...state.keys()].sort());
        for (const [key, list] of grouped) {
          const last = list[list.length - 1]?.detail;
          if (!last) throw new Error('byRecipient never makes an empty group');
          expect(state.get(key)).toEqual({
            email: last.email,
            token: last.token,
            status: last.status,
            stopMail: last.stopMail,
            cost: last.cost,
            statusAt: last.statusAt,
            sequence: last.sequence,
            lastEventId: last.eventId,
          });
        }
      }),
      SETTINGS,
    );
  });

  it("leaves each recipient's state agreeing with the provider's latest word about it", () => {
    fc.assert(
      fc.property(history, (h) => {
        const replies = h.map(toReply);
        const latest = new Map<string, RecipientReport>();
        for (const reply of replies) {
          // Within one reply, duplicate rows of a recipient merge (merge-rows.ts), not last-wins.
          for (const report of mergeDuplicateRows(reply.recipients, recipientKey).values()) {
            latest.set(recipientKey(report), report);
          }
        }
        const { state } = run(replies);
        expect([...state.keys()].sort()).toEqual([...latest.keys()].sort());
        for (const [key, report] of latest) {
          const recipient = state.get(key);
          expect(normalizeStatus(recipient?.status ?? '\u0000')).toBe(
            normalizeStatus(report.status),
          );
          expect(recipient?.stopMail).toBe(report.stopMail);
        }
      }),
      SETTINGS,
    );
  });

  it('(b) never gives two events of a history the same eventId', () => {
    fc.assert(
      fc.property(history, (h) => {
        const ids = run(h.map(toReply)).events.map((e) => e.detail.eventId);
        expect(new Set(ids).size).toBe(ids.length);
      }),
      SETTINGS,
    );
  });

  it('(c) gives the same events, ids included, when the same history runs again', () => {
    fc.assert(
      fc.property(history, (h) => {
        const replies = h.map(toReply);
        expect(run(replies).events).toEqual(run(replies).events);
      }),
      SETTINGS,
    );
  });

  it('(d) numbers each recipient 1..n without gaps, chaining previousStatus', () => {
    fc.assert(
      fc.property(history, (h) => {
        for (const list of byRecipient(run(h.map(toReply)).events).values()) {
          list.forEach((event, i) => {
            expect(event.detail.sequence).toBe(i + 1);
            expect(event.detail.previousStatus).toBe(i === 0 ? null : list[i - 1]?.detail.status);
          });
        }
      }),
      SETTINGS,
    );
  });

  it('(e) emits only details the catalog accepts', () => {
    fc.assert(
      fc.property(history, (h) => {
        for (const event of run(h.map(toReply)).events) {
          const parsed = catalog[event.detailType].detail.safeParse(event.detail);
          expect(parsed.error).toBeUndefined();
        }
      }),
      SETTINGS,
    );
  });

  it('(f) says nothing about a reply identical to the last one', () => {
    fc.assert(
      fc.property(history, (h) => {
        for (const repeat of run(h.map(toReply)).repeats) expect(repeat).toEqual([]);
      }),
      SETTINGS,
    );
  });

  it('explains every event: a status change classified from its status, or a stopMail flip', () => {
    fc.assert(
      fc.property(history, (h) => {
        for (const list of byRecipient(run(h.map(toReply)).events).values()) {
          for (const { detailType, detail } of list) {
            const statusChange =
              detail.previousStatus === null ||
              normalizeStatus(detail.previousStatus) !== normalizeStatus(detail.status);
            if (statusChange) {
              expect(detailType).toBe(classifyStatus(detail.status));
            } else {
              expect(detail.status).toBe(detail.previousStatus);
              expect(detailType).toBe(
                detail.stopMail ? 'RecipientUnsubscribed' : 'RecipientStatusChanged',
              );
            }
          }
        }
      }),
      SETTINGS,
    );
  });
});
