/**
 * Fails when package-lock.json was not written for this package.json: its root
 * entry must declare exactly package.json's dependency ranges.
 *
 *   npx tsx scripts/lock-sync.ts [<dir>]
 *
 * Exit 0: in sync. Exit 1: each difference listed. Exit 2: unreadable files.
 *
 * Hand-written because npm has no command for it: `npm ls --package-lock-only`
 * and `npm ci --dry-run` catch a range the lock cannot satisfy or a dependency
 * the lock lacks, but both pass when package.json drops (or loosens to a range
 * the old version still satisfies) a dependency the lock still declares.
 * `npm run deps:lock` runs this, then those `npm ls` checks.
 */
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

/** The dependency fields npm copies from package.json into the lock's root entry. */
const FIELDS = [
  'dependencies',
  'devDependencies',
  'optionalDependencies',
  'peerDependencies',
] as const;

type Field = (typeof FIELDS)[number];

/** The parts of package.json (and of the lock's root entry) this check reads. */
export type Manifest = Partial<Record<Field, Record<string, string>>>;

/** Each difference between package.json and the lock's root entry, as a sentence. */
export function lockDrift(pkg: Manifest, lockRoot: Manifest): string[] {
  const drift: string[] = [];
  for (const field of FIELDS) {
    const wanted = pkg[field] ?? {};
    const locked = lockRoot[field] ?? {};
    const names = [...new Set([...Object.keys(wanted), ...Object.keys(locked)])].sort();
    for (const name of names) {
      if (wanted[name] !== locked[name]) {
        drift.push(
          `${field} ${name}: package.json has ${wanted[name] ?? 'nothing'}, package-lock.json has ${locked[name] ?? 'nothing'}`,
        );
      }
    }
  }
  return drift;
}

/** Runs the check on the project in `dir`; returns the exit code. */
export function main(
  dir: string,
  io: { out(text: string): void } = { out: (text) => process.stderr.write(text) },
): number {
  let pkg: Manifest;
  let lock: { lockfileVersion?: number; packages?: Record<string, Manifest> };
  try {
    pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as Manifest;
    lock = JSON.parse(readFileSync(join(dir, 'package-lock.json'), 'utf8')) as typeof lock;
  } catch (error) {
    io.out(`lock-sync: ${(error as Error).message}\n`);
    return 2;
  }
  const root = lock.packages?.[''];
  if (!root || (lock.lockfileVersion ?? 0) < 2) {
    io.out('lock-sync: package-lock.json has no root entry (lockfileVersion 2 or 3 needed)\n');
    return 2;
  }
  const drift = lockDrift(pkg, root);
  if (drift.length === 0) return 0;
  io.out(
    `package-lock.json is out of date (run npm install and commit the lock):\n${drift.map((d) => `  ${d}\n`).join('')}`,
  );
  return 1;
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  process.exitCode = main(resolve(process.argv[2] ?? '.'));
}
