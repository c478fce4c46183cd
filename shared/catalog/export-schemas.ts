/**
 * Writes `schemas/<DetailType>.json` and the README's catalog section from the
 * event catalog.
 *
 *   tsx shared/catalog/export-schemas.ts           regenerate (npm run schemas)
 *   tsx shared/catalog/export-schemas.ts --check   write nothing; exit 1 naming stale files
 *                                                  (npm run schemas:check, run by npm test)
 *
 * `schemas/` holds generated files only: a `.json` file there that no
 * detail-type produces any more is deleted (or reported by `--check`).
 */
import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import {
  renderCatalogSection,
  renderSchemaFiles,
  replaceCatalogSection,
  SCHEMAS_DIR,
} from './catalog-doc.ts';

/** The repository root (this file is `shared/catalog/export-schemas.ts`). */
const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** `read()`, or `missing` when the file or directory does not exist. */
async function orIfMissing<T, M>(read: () => Promise<T>, missing: M): Promise<T | M> {
  try {
    return await read();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return missing;
    throw error;
  }
}

/**
 * Brings the generated files under `root` up to date, or with `check` only
 * lists the stale ones. Returns one line per stale file, naming it and why
 * (empty when everything was up to date).
 */
export async function exportSchemas(root: string, options: { check: boolean }): Promise<string[]> {
  const { check } = options;
  const stale: string[] = [];

  const expected = renderSchemaFiles();
  if (!check) await mkdir(join(root, SCHEMAS_DIR), { recursive: true });
  for (const [name, content] of expected) {
    const path = join(root, SCHEMAS_DIR, name);
    const current = await orIfMissing(() => readFile(path, 'utf8'), null);
    if (current === content) continue;
    stale.push(`${SCHEMAS_DIR}/${name} (${current === null ? 'missing' : 'out of date'})`);
    if (!check) await writeFile(path, content);
  }
  const present = await orIfMissing(() => readdir(join(root, SCHEMAS_DIR)), []);
  for (const name of present.sort()) {
    if (!name.endsWith('.json') || expected.has(name)) continue;
    stale.push(`${SCHEMAS_DIR}/${name} (no such detail-type in the catalog)`);
    if (!check) await rm(join(root, SCHEMAS_DIR, name));
  }

  const readmePath = join(root, 'README.md');
  const readme = await readFile(readmePath, 'utf8');
  const updated = replaceCatalogSection(readme, renderCatalogSection());
  if (updated !== readme) {
    stale.push('README.md (event catalog section out of date)');
    if (!check) await writeFile(readmePath, updated);
  }
  return stale;
}

/** The command line: returns the exit code. */
export async function main(args: readonly string[], root = REPO_ROOT): Promise<number> {
  const unknown = args.filter((arg) => arg !== '--check');
  if (unknown.length > 0) {
    console.error(`Unknown argument(s): ${unknown.join(' ')}. Usage: export-schemas.ts [--check]`);
    return 2;
  }
  const check = args.includes('--check');
  let stale: string[];
  try {
    stale = await exportSchemas(root, { check });
  } catch (error) {
    console.error(`export-schemas: ${error instanceof Error ? error.message : String(error)}`);
    return 1;
  }
  const list = stale.map((line) => `  - ${line}`).join('\n');
  if (check && stale.length > 0) {
    console.error(
      `Event catalog files are stale:\n${list}\nRun \`npm run schemas\` and commit the result.`,
    );
    return 1;
  }
  if (check) console.log('Event catalog files are up to date.');
  else
    console.log(
      stale.length > 0 ? `Updated:\n${list}` : 'Event catalog files were already up to date.',
    );
  return 0;
}

// Run only as a script, not when a test imports the module.
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  process.exitCode = await main(process.argv.slice(2));
}
