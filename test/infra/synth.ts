/**
 * One synthesis per test file, into a fresh folder under the OS temp dir that
 * `cleanup` removes. Bundling is skipped unless asked for (it is what makes a
 * synth slow), so template and cdk-nag tests stay fast.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { App, Validations } from 'aws-cdk-lib';
import type { CloudAssembly } from 'aws-cdk-lib/cx-api';
import { AwsSolutionsChecks } from 'cdk-nag';

export interface TestApp {
  readonly app: App;
  readonly outdir: string;
  synth(): CloudAssembly;
  cleanup(): void;
}

export function testApp(options: { bundling?: boolean; nag?: boolean } = {}): TestApp {
  const outdir = mkdtempSync(path.join(os.tmpdir(), 'status-sync-cdk-'));
  const app = new App({
    outdir,
    context: {
      // An empty list skips bundling for every stack; '**' bundles them all.
      'aws:cdk:bundling-stacks': options.bundling ? ['**'] : [],
      // Records each asset's folder on its resource (aws:asset:path), as the CLI does.
      'aws:cdk:enable-asset-metadata': true,
    },
  });
  if (options.nag) Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  return {
    app,
    outdir,
    synth: () => app.synth(),
    cleanup: () => rmSync(outdir, { recursive: true, force: true }),
  };
}

/** The value, or a failed test naming what was missing (for a construct's optional parts). */
export function defined<T>(value: T | undefined, what: string): T {
  if (value === undefined) throw new Error(`expected ${what} to exist`);
  return value;
}
