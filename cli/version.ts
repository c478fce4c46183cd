/**
 * The package's version for `--version`, read from package.json at run time:
 * a JSON import would need import attributes that tsx, esbuild and a compiled
 * `dist/` treat differently. Looked up from this file upwards, so it works from
 * the sources and from wherever a build puts this module.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const PACKAGE_NAME = 'mailpartner-status-sync';

/** The version in the nearest package.json named mailpartner-status-sync. */
export function packageVersion(from: string = dirname(fileURLToPath(import.meta.url))): string {
  for (let dir = from; ; dir = dirname(dir)) {
    const found = readPackage(join(dir, 'package.json'));
    if (found?.name === PACKAGE_NAME && typeof found.version === 'string') return found.version;
    if (dirname(dir) === dir) return 'unknown';
  }
}

function readPackage(path: string): { name?: unknown; version?: unknown } | null {
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as { name?: unknown; version?: unknown };
  } catch {
    return null;
  }
}
