/**
 * scripts/lock-sync.ts: the comparison itself, the script on projects written
 * to a temporary folder, and on this repository.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { lockDrift, type Manifest, main } from '../../scripts/lock-sync.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

const folders: string[] = [];
afterAll(() => {
  for (const f of folders) rmSync(f, { recursive: true, force: true });
});

function project(pkg: Manifest, lock: unknown): string {
  const dir = mkdtempSync(join(tmpdir(), 'lock-sync-'));
  folders.push(dir);
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'fixture', ...pkg }));
  writeFileSync(join(dir, 'package-lock.json'), JSON.stringify(lock));
  return dir;
}

function run(dir: string): { code: number; text: string } {
  let text = '';
  const code = main(dir, { out: (t) => (text += t) });
  return { code, text };
}

const PKG: Manifest = { dependencies: { zod: '4.6.7' }, devDependencies: { vitest: '4.1.12' } };

describe('lockDrift', () => {
  it('finds nothing when the lock root declares the same ranges', () => {
    expect(lockDrift(PKG, structuredClone(PKG))).toEqual([]);
  });

  it('names a dependency package.json dropped but the lock still declares', () => {
    expect(lockDrift({ dependencies: {} }, { dependencies: { 'p-throttle': '8.1.1' } })).toEqual([
      'dependencies p-throttle: package.json has nothing, package-lock.json has 8.1.1',
    ]);
  });

  it('names a changed range, a new dependency and a dependency moved between fields', () => {
    const drift = lockDrift(
      { dependencies: { zod: '^4.6.7', commander: '14.0.3' }, devDependencies: { tsx: '4.23.15' } },
      { dependencies: { zod: '4.6.7', tsx: '4.23.15' } },
    );
    expect(drift).toEqual([
      'dependencies commander: package.json has 14.0.3, package-lock.json has nothing',
      'dependencies tsx: package.json has nothing, package-lock.json has 4.23.15',
      'dependencies zod: package.json has ^4.6.7, package-lock.json has 4.6.7',
      'devDependencies tsx: package.json has 4.23.15, package-lock.json has nothing',
    ]);
  });

  it('compares optional and peer dependencies too', () => {
    expect(
      lockDrift({ peerDependencies: { constructs: '^10' } }, { optionalDependencies: { x: '1' } }),
    ).toEqual([
      'optionalDependencies x: package.json has nothing, package-lock.json has 1',
      'peerDependencies constructs: package.json has ^10, package-lock.json has nothing',
    ]);
  });
});

describe('lock-sync script', () => {
  it('exits 0 on a project whose lock matches', () => {
    const dir = project(PKG, { lockfileVersion: 3, packages: { '': { name: 'fixture', ...PKG } } });
    expect(run(dir)).toEqual({ code: 0, text: '' });
  });

  it('exits 1 and says what to run when the lock is stale', () => {
    const dir = project(PKG, {
      lockfileVersion: 3,
      packages: { '': { dependencies: { zod: '4.6.6' }, devDependencies: PKG.devDependencies } },
    });
    const { code, text } = run(dir);
    expect(code).toBe(1);
    expect(text).toContain('run npm install');
    expect(text).toContain('dependencies zod: package.json has 4.6.7, package-lock.json has 4.6.6');
  });

  it('exits 2 on a lock without a root entry or an unreadable file', () => {
    expect(run(project(PKG, { lockfileVersion: 1, dependencies: {} })).code).toBe(2);
    const missing = mkdtempSync(join(tmpdir(), 'lock-sync-'));
    folders.push(missing);
    expect(run(missing).code).toBe(2);
  });

  it('finds this repository in sync', () => {
    expect(run(ROOT)).toEqual({ code: 0, text: '' });
  });
});
