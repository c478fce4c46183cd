/**
 * How every Lambda function of the project is built: one ESM file per function,
 * bundled by the local esbuild (never Docker), minified, with a source map.
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
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Duration } from 'aws-cdk-lib';
import { Architecture, Runtime } from 'aws-cdk-lib/aws-lambda';
import {
  type BundlingOptions,
  type NodejsFunctionProps,
  OutputFormat,
} from 'aws-cdk-lib/aws-lambda-nodejs';

/** Repository root (the folder holding package-lock.json). */
export const PROJECT_ROOT = fileURLToPath(new URL('..', import.meta.url));

/**
 * Some bundled CommonJS dependencies call `require` for Node built-ins; an ES
 * module has no `require`, so the bundle starts by making one.
 */
export const ESM_REQUIRE_BANNER =
  "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);";

/** esbuild options of every function; the bundle test builds with the same ones. */
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

/** The props every function shares: entry, runtime, architecture, bundling. */
export function functionDefaults(
  entryName: string,
): Pick<
  NodejsFunctionProps,
  | 'entry'
  | 'handler'
  | 'runtime'
  | 'architecture'
  | 'projectRoot'
  | 'depsLockFilePath'
  | 'bundling'
  | 'timeout'
> {
  return {
    entry: path.join(PROJECT_ROOT, 'functions', `${entryName}.ts`),
    handler: 'handler',
    runtime: Runtime.NODEJS_24_X,
    architecture: Architecture.ARM_64,
    projectRoot: PROJECT_ROOT,
    depsLockFilePath: path.join(PROJECT_ROOT, 'package-lock.json'),
    bundling: bundlingOptions(),
    timeout: Duration.seconds(30),
  };
}
