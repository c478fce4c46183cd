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
/** The same app with `-c mode=fan-out -c workerConcurrency=10 -c budgetPerMinute=1200`. */
let fanOutOutdir: string;
let fanOutResult: { stdout: string; stderr: string };

/** Runs infra/app.ts as the CDK CLI does, with `context` as `-c` options. */
async function synthApp(dir: string, context: Record<string, string> = {}) {
  // Only what a process needs to run: no AWS_* variable, no credentials, no profile.
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '',
    HOME: dir,
    CDK_OUTDIR: dir,
    CDK_CONTEXT_JSON: JSON.stringify({ 'aws:cdk:bundling-stacks': [], ...context }),
  };
  return run(process.execPath, ['--import', 'tsx', 'infra/app.ts'], { cwd: PROJECT_ROOT, env });
}

beforeAll(async () => {
  outdir = mkdtempSync(path.join(os.tmpdir(), 'status-sync-app-'));
  fanOutOutdir = mkdtempSync(path.join(os.tmpdir(), 'status-sync-app-fan-out-'));
  const started = Date.now();
  [result, fanOutResult] = await Promise.all([
    synthApp(outdir).finally(() => {
      durationMs = Date.now() - started;
    }),
    synthApp(fanOutOutdir, { mode: 'fan-out', workerConcurrency: '10', budgetPerMinute: '1200' }),
  ]);
}, 180_000);

afterAll(() => {
  for (const dir of [outdir, fanOutOutdir]) {
    if (dir) rmSync(dir, { recursive: true, force: true });
  }
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

  it('synthesizes fan-out mode from context, cdk-nag clean', () => {
    expect(fanOutResult.stderr).not.toMatch(/error/i);
    const report = JSON.parse(
      readFileSync(path.join(fanOutOutdir, 'validation-report.json'), 'utf8'),
    );
    expect(report.pluginReports).toEqual([]);
    const template = JSON.parse(
      readFileSync(path.join(fanOutOutdir, 'MailPartnerStatusSync.template.json'), 'utf8'),
    );
    const resources = Object.values(
      template.Resources as Record<string, { Type: string; Properties: Record<string, unknown> }>,
    );
    expect(resources.filter((r) => r.Type === 'AWS::Lambda::EventSourceMapping')).toHaveLength(1);
    const variables = (r: { Properties: Record<string, unknown> }) =>
      (r.Properties.Environment as { Variables: Record<string, string> } | undefined)?.Variables ??
      {};
    const worker = resources.find(
      (r) => r.Type === 'AWS::Lambda::Function' && variables(r).WORKER_CONCURRENCY !== undefined,
    );
    expect(worker?.Properties.ReservedConcurrentExecutions).toBe(10);
    expect(worker && variables(worker).PROVIDER_BUDGET_PER_MINUTE).toBe('1200');
    expect(template.Outputs.SyncMode.Value).toBe('fan-out');
  });
});
