/**
 * esbuild helpers: the poller bundled the way the stack bundles it, and bench
 * entry points bundled for child processes and worker threads (plain `node`
 * runs them: no TypeScript loader in the process being measured).
 */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build, type Metafile, type Plugin } from 'esbuild';

export const ROOT = fileURLToPath(new URL('..', import.meta.url));

/**
 * Where bundles go: under node_modules, so a bundle that leaves `@aws-sdk/*`
 * external still resolves it from the project's node_modules, and git ignores it.
 */
export const OUT_DIR = path.join(ROOT, 'node_modules', '.cache', 'mailpartner-bench');

/** Same banner as infra/bundling.ts: bundled CommonJS dependencies call `require`. */
export const ESM_REQUIRE_BANNER =
  "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);";

export interface BundleOptions {
  /** Module patterns left out of the bundle, e.g. `@aws-sdk/*`. */
  readonly external?: readonly string[];
  readonly minify?: boolean;
  readonly target?: string;
  /**
   * What-if: leave zod's translated error messages out. `import { z } from 'zod'`
   * re-exports every locale (`z.locales`), which no bundler can drop; zod's
   * default English messages are imported on their own and stay.
   */
  readonly withoutZodLocales?: boolean;
}

const withoutZodLocales: Plugin = {
  name: 'without-zod-locales',
  setup(build) {
    build.onResolve({ filter: /\/locales\/index\.js$/ }, (args) =>
      args.importer.includes(`${path.sep}zod${path.sep}`)
        ? { path: args.path, namespace: 'zod-locales-stub' }
        : undefined,
    );
    build.onLoad({ filter: /.*/, namespace: 'zod-locales-stub' }, () => ({
      contents: 'export {};',
      loader: 'js',
    }));
  },
};

/** Bundles `entry` (relative to the repository) into `OUT_DIR/outName`; returns the file's path. */
export async function bundle(
  entry: string,
  outName: string,
  options: BundleOptions = {},
): Promise<string> {
  return (await bundleWithMeta(entry, outName, options)).file;
}

/** `bundle`, also returning esbuild's metafile (what went into the output, and how big). */
export async function bundleWithMeta(
  entry: string,
  outName: string,
  options: BundleOptions = {},
): Promise<{ file: string; metafile: Metafile }> {
  mkdirSync(OUT_DIR, { recursive: true });
  const outfile = path.join(OUT_DIR, outName);
  const result = await build({
    entryPoints: [path.join(ROOT, entry)],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: options.target ?? 'node22',
    minify: options.minify ?? true,
    mainFields: ['module', 'main'],
    banner: { js: ESM_REQUIRE_BANNER },
    external: [...(options.external ?? [])],
    logLevel: 'warning',
    metafile: true,
    plugins: options.withoutZodLocales ? [withoutZodLocales] : [],
  });
  return { file: outfile, metafile: result.metafile };
}

/** Bytes of the output by package (`@scope/name`, or `(project)` for the repository's own code), largest first. */
export function bytesByPackage(metafile: Metafile): [string, number][] {
  const totals = new Map<string, number>();
  for (const output of Object.values(metafile.outputs)) {
    for (const [input, { bytesInOutput }] of Object.entries(output.inputs)) {
      const match = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(input);
      const name = match?.[1] ?? '(project)';
      totals.set(name, (totals.get(name) ?? 0) + bytesInOutput);
    }
  }
  return [...totals].sort((a, b) => b[1] - a[1]);
}
