/**
 * Builds the package into dist/ (run by `npm pack` through `prepack`; `npm run build`):
 *
 *   dist/esm/…            ES modules + .d.ts, one per source file (tsc, tsconfig.build.json):
 *                         the construct (infra/index.ts), the catalog, the CLI (bin/status-sync.mjs)
 *   dist/cjs/index.js     CommonJS builds of `.` and `./catalog` for `require` (the stock
 *   dist/cjs/catalog.js   `cdk init` TypeScript app is CommonJS), with a copy of the declarations
 *                         under dist/cjs/types so TypeScript reads them as CommonJS too
 *   dist/functions/<name>/index.mjs   each Lambda function bundled with infra/bundling.ts's
 *                         options: the compiled construct's assets
 *
 * tsc (TypeScript 7) emits both JavaScript and declarations with
 * rewriteRelativeImportExtensions; only the declarations keep `./x.ts`
 * specifiers, which are rewritten here to `./x.js` so that any TypeScript
 * version resolves them. esbuild makes the CommonJS builds (tsc cannot emit
 * CommonJS from sources that use `import.meta.url`) and the function bundles.
 */
import { execFile } from 'node:child_process';
import { cp, mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { build } from 'esbuild';
import {
  bundlingOptions,
  FUNCTION_NAMES,
  FUNCTION_TARGET,
  PREBUILT_FUNCTIONS_DIR,
  PROJECT_ROOT,
} from '../infra/bundling.ts';

const run = promisify(execFile);
const DIST = path.join(PROJECT_ROOT, 'dist');

/** The package entries built for `require`, by output name. */
const CJS_ENTRIES = { index: 'infra/index.ts', catalog: 'shared/catalog/consumer.ts' };

async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries.filter((e) => e.isFile()).map((e) => path.join(e.parentPath, e.name));
}

/** `from './x.ts'` / `import('./x.ts')` in declarations → `.js`, as in the emitted JavaScript. */
export function rewriteDeclarationImports(text: string): string {
  return text.replace(/((?:from|import)\s*\(?\s*['"])(\.{1,2}\/[^'"]+?)\.ts(['"])/g, '$1$2.js$3');
}

async function emitEsm(): Promise<void> {
  const tsc = path.join(PROJECT_ROOT, 'node_modules', '.bin', 'tsc');
  await run(tsc, ['-p', path.join(PROJECT_ROOT, 'tsconfig.build.json')], { cwd: PROJECT_ROOT });
  for (const file of await filesUnder(path.join(DIST, 'esm'))) {
    if (!file.endsWith('.d.ts')) continue;
    const text = await readFile(file, 'utf8');
    const rewritten = rewriteDeclarationImports(text);
    if (rewritten !== text) await writeFile(file, rewritten);
  }
}

async function emitCjs(): Promise<void> {
  const out = path.join(DIST, 'cjs');
  await build({
    absWorkingDir: PROJECT_ROOT,
    entryPoints: CJS_ENTRIES,
    outdir: out,
    bundle: true,
    // zod, aws-cdk-lib, constructs: the consumer's own copies.
    packages: 'external',
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    // CommonJS has no import.meta: the module's own file URL, from __filename.
    define: { 'import.meta.url': '__importMetaUrl' },
    banner: { js: "const __importMetaUrl = require('node:url').pathToFileURL(__filename).href;" },
    logLevel: 'warning',
  });
  await writeFile(path.join(out, 'package.json'), `${JSON.stringify({ type: 'commonjs' })}\n`);
  await cp(path.join(DIST, 'esm'), path.join(out, 'types'), {
    recursive: true,
    filter: (source) => !source.endsWith('.js'),
  });
}

async function bundleFunctions(): Promise<void> {
  const options = bundlingOptions();
  await Promise.all(
    FUNCTION_NAMES.map((name) =>
      build({
        absWorkingDir: PROJECT_ROOT,
        entryPoints: [path.join(PROJECT_ROOT, 'functions', `${name}.ts`)],
        outfile: path.join(PREBUILT_FUNCTIONS_DIR, name, 'index.mjs'),
        bundle: true,
        platform: 'node',
        target: FUNCTION_TARGET,
        format: 'esm',
        mainFields: options.mainFields ?? [],
        banner: { js: options.banner ?? '' },
        minify: options.minify ?? false,
        sourcemap: options.sourceMap ?? false,
        sourcesContent: options.sourcesContent ?? true,
        external: options.externalModules ?? [],
        logLevel: 'warning',
      }),
    ),
  );
}

/** Builds everything into a fresh dist/. */
export async function buildPackage(): Promise<void> {
  await rm(DIST, { recursive: true, force: true });
  await mkdir(DIST, { recursive: true });
  await emitEsm();
  await Promise.all([emitCjs(), bundleFunctions()]);
}

await buildPackage();
console.error(`built ${path.relative(process.cwd(), DIST) || 'dist'}/`);
