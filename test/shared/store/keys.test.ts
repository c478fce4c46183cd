import { describe, expect, it } from 'vitest';
import { recipientKey } from '../../../shared/model.ts';
import { StoreError } from '../../../shared/store/errors.ts';
import {
  AUDIT_PREFIX,
  auditSk,
  chunkSk,
  META_SK,
  parseChunkSk,
  STATE_PREFIX,
} from '../../../shared/store/keys.ts';

describe('store keys', () => {
  it('sort audit records before META and state chunks after it, so load can skip the audit', () => {
    const sks = [chunkSk(1), META_SK, auditSk('a\u0000t', 1, 'e'), chunkSk(0)].sort();
    expect(sks).toEqual([expect.stringMatching(/^AUDIT#/), 'META', 'STATE#00000', 'STATE#00001']);
    expect(AUDIT_PREFIX < META_SK && META_SK < STATE_PREFIX).toBe(true);
  });

  it('round-trips chunk indexes and rejects anything else', () => {
    expect(chunkSk(42)).toBe('STATE#00042');
    expect(parseChunkSk('STATE#00042')).toBe(42);
    expect(parseChunkSk('META')).toBeNull();
    expect(parseChunkSk('STATE#42')).toBeNull();
    expect(() => chunkSk(100_000)).toThrow(StoreError);
    expect(() => chunkSk(-1)).toThrow(StoreError);
  });

  it('keys an audit record by recipient hash, padded sequence and event id, never the address', () => {
    const key = recipientKey({ email: 'ann@example.com', token: 't1' });
    const sk = auditSk(key, 7, 'evt-9');
    expect(sk).toMatch(/^AUDIT#[0-9a-f]{16}#000007#evt-9$/);
    expect(sk).not.toContain('ann');
    expect(auditSk(key, 7, 'evt-9')).toBe(sk);
    // Same address, other token: another recipient, another hash.
    const other = auditSk(recipientKey({ email: 'ann@example.com', token: 't2' }), 7, 'evt-9');
    expect(other.slice(0, 23)).not.toBe(sk.slice(0, 23));
  });
});
