/**
 * How every Lambda function of the project is built: one ESM file per function,
 * bundled by esbuild (never Docker), minified, with a source map.
 *
 * Two places build them with the same options, and one rule picks which:
 * - from the published package, the functions are bundled once by
 *   `npm run build` (scripts/build.ts, run by `prepack`) into
 *   `dist/functions/<name>/index.mjs`, and the compiled construct takes that
 *   folder as its asset: a consumer needs neither esbuild nor our lock file;
 * - from a checkout, this file runs as TypeScript and CDK's NodejsFunction
 *   bundles `functions/<name>.ts` at synth with the local esbuild, so a change
 *   to the sources is always what gets deployed (no stale `dist/`).
 * {@link functionDefaults} decides by what is running: compiled JavaScript uses
 * the prebuilt asset (and fails clearly if the package lacks it), TypeScript
 * bundles from source.
 *
 * The AWS SDK is bundled too, although the Node.js 24 runtime ships SDK v3 with
 * every client the functions use (DynamoDB, EventBridge, Secrets Manager, SQS)
 * and CDK's default would leave `@aws-sdk/*` out. Measured (Node 20, fresh
 * process, median of 5; docs/deploy.md "Bundles"): leaving it out takes each
 * bundle from about 970 KB to about 610 KB, but doubles the time to import the
 * handler, 172 → 347 ms for the poller, because the runtime's copy is loaded
 * whole, client by client and file by file, where the bundle holds only the
 * commands used, tree-shaken and minified. This is the AWS SDK team's own advice
 * for cold starts, and it keeps the functions on the SDK versions of
 * package-lock.json they were tested with. To leave the SDK out, set
 * externalModules to `['@aws-sdk/*']` below; the bundle test passes either way.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Duration } from 'aws-cdk-lib';
import { Architecture, Code, Runtime } from 'aws-cdk-lib/aws-lambda';
import {
  type BundlingOptions,
  type NodejsFunctionProps,
  OutputFormat,
} from 'aws-cdk-lib/aws-lambda-nodejs';

/** The package's name: the compiled construct finds its package root by it. */
export const PACKAGE_NAME = 'mailpartner-status-sync';

/** This module's own file: `infra/bundling.ts` in a checkout, a `.js` file under `dist/` in the package. */
const THIS_FILE = fileURLToPath(import.meta.url);

/** True when this module runs from the TypeScript sources (a checkout), false when compiled. */
export const RUNNING_FROM_SOURCE = THIS_FILE.endsWith('.ts');

/**
 * The nearest folder above `start` whose package.json is this package's
 * (`dist/cjs/package.json` only sets the module type, and has no name).
 */
function packageRoot(start: string): string {
  for (let dir = path.dirname(start); ; dir = path.dirname(dir)) {
    const manifest = path.join(dir, 'package.json');
    if (existsSync(manifest)) {
      const { name } = JSON.parse(readFileSync(manifest, 'utf8')) as { name?: unknown };
      if (name === PACKAGE_NAME) return dir;
    }
    if (path.dirname(dir) === dir) {
      throw new Error(`${PACKAGE_NAME}: no package.json named ${PACKAGE_NAME} above ${start}`);
    }
  }
}

/** Repository root (the folder holding package-lock.json), or the installed package's root. */
export const PROJECT_ROOT = packageRoot(THIS_FILE);

/** Where `npm run build` puts each function's bundle: `<this>/<name>/index.mjs`. */
export const PREBUILT_FUNCTIONS_DIR = path.join(PROJECT_ROOT, 'dist', 'functions');

/** The functions, by their entry file in functions/ (and folder in dist/functions/). */
export const FUNCTION_NAMES = [
  'poller',
  'dispatcher',
  'worker',
  'track-message',
  'forget-recipient',
] as const;
export type FunctionName = (typeof FUNCTION_NAMES)[number];

/** esbuild's target for the runtime below, as NodejsFunction derives it. */
export const FUNCTION_TARGET = 'node24';

/**
 * Some bundled CommonJS dependencies call `require` for Node built-ins; an ES
 * module has no `require`, so the bundle starts by making one.
 */
export const ESM_REQUIRE_BANNER =
  "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);";

/** esbuild options of every function; the bundle test and scripts/build.ts build with the same ones. */
export function bundlingOptions(): BundlingOptions {
  return {
    format: OutputFormat.ESM,
    // Prefer packages' ES module builds: smaller bundles, fewer CommonJS shims.
    mainFields: ['module', 'main'],
    banner: ESM_REQUIRE_BANNER,
    minify: true,
    sourceMap: true,
    // Stack traces map back to file and line; the sources themselves stay out of the zip.
    sourcesContent: false,
    // Nothing left out: the AWS SDK is bundled (see above).
    externalModules: [],
    forceDockerBundling: false,
  };
}

/** The props every function shares: its code, runtime, architecture, timeout. */
export function functionDefaults(
  entryName: FunctionName,
): Pick<
  NodejsFunctionProps,
  | 'entry'
  | 'code'
  | 'handler'
  | 'runtime'
  | 'architecture'
  | 'projectRoot'
  | 'depsLockFilePath'
  | 'bundling'
  | 'timeout'
> {
  const common = {
    runtime: Runtime.NODEJS_24_X,
    architecture: Architecture.ARM_64,
    timeout: Duration.seconds(30),
  };
  if (!RUNNING_FROM_SOURCE) {
    const folder = path.join(PREBUILT_FUNCTIONS_DIR, entryName);
    if (!existsSync(path.join(folder, 'index.mjs'))) {
      throw new Error(
        `${PACKAGE_NAME}: the prebuilt function ${folder}/index.mjs is missing: the package was not built (npm run build)`,
      );
    }
    // NodejsFunction skips bundling when given code; `index.handler` is the
    // handler it would have set itself, so the template does not change.
    return { ...common, code: Code.fromAsset(folder), handler: 'index.handler' };
  }
  return {
    ...common,
    entry: path.join(PROJECT_ROOT, 'functions', `${entryName}.ts`),
    handler: 'handler',
    projectRoot: PROJECT_ROOT,
    depsLockFilePath: path.join(PROJECT_ROOT, 'package-lock.json'),
    bundling: bundlingOptions(),
  };
}
