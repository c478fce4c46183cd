/**
 * `infra/app.ts`, the app `cdk.json` runs, synthesized the way the CDK CLI runs
 * it (a child process told where to write), with no AWS credentials and no
 * network: it must succeed, with cdk-nag on, and leave an environment-agnostic
 * template. Bundling is skipped here; the bundle test covers it.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../../infra/bundling.ts';

const run = promisify(execFile);
let outdir: string;
let result: { stdout: string; stderr: string };
let durationMs: number;

beforeAll(async () => {
  outdir = mkdtempSync(path.join(os.tmpdir(), 'status-sync-app-'));
  // Only what a process needs to run: no AWS_* variable, no credentials, no profile.
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '',
    HOME: outdir,
    CDK_OUTDIR: outdir,
    CDK_CONTEXT_JSON: JSON.stringify({ 'aws:cdk:bundling-stacks': [] }),
  };
  const started = Date.now();
  result = await run(process.execPath, ['--import', 'tsx', 'infra/app.ts'], {
    cwd: PROJECT_ROOT,
    env,
  });
  durationMs = Date.now() - started;
}, 180_000);

afterAll(() => {
  if (outdir) rmSync(outdir, { recursive: true, force: true });
});

describe('infra/app.ts', () => {
  it('synthesizes the stack offline with no credentials, cdk-nag clean', () => {
    expect(readdirSync(outdir)).toContain('MailPartnerStatusSync.template.json');
    expect(result.stderr).not.toMatch(/error/i);
    const report = JSON.parse(readFileSync(path.join(outdir, 'validation-report.json'), 'utf8'));
    expect(report.pluginReports).toEqual([]);
    console.info(`infra/app.ts synth without bundling: ${durationMs} ms`);
  });

  it('is environment-agnostic and uses the named bus', () => {
    const manifest = JSON.parse(readFileSync(path.join(outdir, 'manifest.json'), 'utf8'));
    expect(manifest.artifacts.MailPartnerStatusSync.environment).toBe(
      'aws://unknown-account/unknown-region',
    );
    const template = JSON.parse(
      readFileSync(path.join(outdir, 'MailPartnerStatusSync.template.json'), 'utf8'),
    );
    const buses = Object.values(
      template.Resources as Record<string, { Type: string; Properties: { Name?: string } }>,
    ).filter((r) => r.Type === 'AWS::Events::EventBus');
    expect(buses.map((b) => b.Properties.Name)).toEqual(['mailpartner-status-sync']);
  });
});
