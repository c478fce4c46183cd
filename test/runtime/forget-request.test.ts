/** The ForgetRecipient function's use case: its payload, and an address that never reaches the log. */
import { describe, expect, it } from 'vitest';
import { forgetRequest } from '../../runtime/forget-request.ts';
import type { ErasureCounts, PersonMatch, Tombstones } from '../../shared/ports.ts';
import { ForgetRequestError } from '../../shared/privacy/errors.ts';
import { publicationFor } from '../../shared/privacy/publication.ts';
import { UNCHECKED_PLAIN } from '../../shared/store/dynamo-audit-log.ts';

const ZERO: ErasureCounts = {
  messages: 0,
  recipientStates: 0,
  outboxEvents: 0,
  auditRecordsDeleted: 0,
  auditRecordsRewritten: 0,
};

function deps() {
  const logged: unknown[] = [];
  const keys = new Set<string>();
  const asked: PersonMatch[] = [];
  const tombstones: Tombstones = {
    keys: async () => keys,
    add: async (key) => {
      const fresh = !keys.has(key);
      keys.add(key);
      return fresh;
    },
    noteErasure: async () => {},
  };
  return {
    logged,
    keys,
    asked,
    deps: {
      forget: {
        publication: UNCHECKED_PLAIN,
        tombstones,
        eraser: {
          erase: async (person: PersonMatch) => {
            asked.push(person);
            return { ...ZERO, messages: 1, recipientStates: 1 };
          },
        },
        clock: () => new Date('2026-11-27T09:00:00Z'),
      },
      logger: { info: (...args: unknown[]) => void logged.push(args) },
    },
  };
}

describe('forgetRequest', () => {
  it('forgets the address of {"email"}, leaves its tombstone and logs counts, never the address', async () => {
    const d = deps();
    const result = await forgetRequest(d.deps, { email: 'Ann@Example.com' });
    expect(result).toMatchObject({ alreadyForgotten: false, messages: 1, recipientStates: 1 });
    expect([...d.keys]).toEqual([publicationFor(null).recipientKey('ann@example.com')]);
    expect(d.asked[0]?.isPerson(' ann@EXAMPLE.com')).toBe(true);
    expect(d.asked[0]?.isPerson('bob@example.com')).toBe(false);
    expect(JSON.stringify(d.logged)).not.toMatch(/example\.com/i);
    expect(JSON.stringify(d.logged)).toContain('recipient forgotten');
    const again = await forgetRequest(d.deps, { email: 'ann@example.com' });
    expect(again.alreadyForgotten).toBe(true);
  });

  it('refuses a payload without an address, naming no input', async () => {
    for (const event of [null, {}, { email: 42 }, { email: '   ' }, { email: 'no-at-sign' }]) {
      await expect(forgetRequest(deps().deps, event)).rejects.toBeInstanceOf(ForgetRequestError);
    }
    const error = await forgetRequest(deps().deps, { email: 'secret-person' }).catch((e) => e);
    expect(String(error)).not.toContain('secret-person');
  });
});
