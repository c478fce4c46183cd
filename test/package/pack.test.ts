/**
 * The package as another team gets it: `npm pack` (which builds dist/ through
 * prepack), the tarball installed into a fresh consumer app in a temporary
 * folder, offline, from the npm cache and the tarball only, then:
 * - the tarball holds what runs (dist, bin, schemas, docs), no tests, bench,
 *   fixtures, local tooling or TypeScript sources;
 * - neither esbuild nor tsx came with it (functions ship pre-bundled, the CLI
 *   is compiled);
 * - a CommonJS CDK app (what the stock `cdk init app --language typescript`
 *   compiles to) `require`s the construct and `cdk synth` (our devDependency's
 *   CLI, by path; no credentials) writes a template with the table, the
 *   functions, the rules (its own subscription included) and one registry
 *   schema per detail-type, with the functions' code from the prebuilt assets;
 * - an ES module app imports the same construct and the catalog;
 * - `tsc` type-checks NodeNext TypeScript files (CommonJS and ESM) that import
 *   `mailpartner-status-sync/catalog` and the construct;
 * - `npx status-sync --version` runs the compiled CLI.
 * One pack and one install for every check: the slow part is the build.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { mkdir, readdir } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../../infra/bundling.ts';
import { DETAIL_TYPES } from '../../shared/catalog/events.ts';
import { consumerLock, type Lock } from './consumer-lock.ts';

const run = promisify(execFile);
const BIN = path.join(PROJECT_ROOT, 'node_modules', '.bin');
/** No credentials, no instance metadata, no telemetry or notices from the network. */
const OFFLINE_ENV = {
  ...process.env,
  AWS_EC2_METADATA_DISABLED: 'true',
  CDK_DISABLE_CLI_TELEMETRY: 'true',
  AWS_ACCESS_KEY_ID: '',
  AWS_SECRET_ACCESS_KEY: '',
  AWS_PROFILE: '',
  npm_config_audit: 'false',
  npm_config_fund: 'false',
  npm_config_update_notifier: 'false',
};

let dir: string;
let app: string;
let files: string[];
let template: { Resources: Record<string, { Type: string; Properties: Record<string, unknown> }> };

async function sh(file: string, args: string[], cwd: string, timeout = 240_000) {
  try {
    return await run(file, args, { cwd, env: OFFLINE_ENV, timeout, maxBuffer: 64 * 1024 * 1024 });
  } catch (error) {
    const { stdout, stderr } = error as { stdout?: string; stderr?: string };
    throw new Error(`${file} ${args.join(' ')} failed:\n${stdout ?? ''}\n${stderr ?? ''}`, {
      cause: error,
    });
  }
}

const CJS_APP = `
const { App, Stack } = require('aws-cdk-lib');
const sqs = require('aws-cdk-lib/aws-sqs');
const targets = require('aws-cdk-lib/aws-events-targets');
const iam = require('aws-cdk-lib/aws-iam');
const { MailPartnerStatusSync } = require('mailpartner-status-sync');

const app = new App();
const stack = new Stack(app, 'Consumer');
const sync = new MailPartnerStatusSync(stack, 'Sync', { eventBusName: 'consumer-bus' });
const inbox = new sqs.Queue(stack, 'Inbox', { enforceSSL: true });
sync.subscribe('Delivered', {
  detailTypes: ['RecipientDelivered', 'RecipientNotDelivered'],
  metadata: { tenant: 'acme' },
  target: new targets.SqsQueue(inbox),
});
sync.grantTrackMessage(new iam.Role(stack, 'Backend', {
  assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
}));
`;

const ESM_APP = `
import { App, Stack } from 'aws-cdk-lib';
import { MailPartnerStatusSync } from 'mailpartner-status-sync';
import { DETAIL_TYPES, trackMessageEntry } from 'mailpartner-status-sync/catalog';
const app = new App({ outdir: 'esm.out' });
const stack = new Stack(app, 'EsmConsumer');
const sync = new MailPartnerStatusSync(stack, 'Sync', { mode: 'fan-out' });
const assembly = app.synth();
const resources = Object.values(assembly.getStackByName('EsmConsumer').template.Resources);
console.log(JSON.stringify({
  functions: resources.filter((r) => r.Type === 'AWS::Lambda::Function').length,
  detailTypes: DETAIL_TYPES.length,
  entry: trackMessageEntry({ messageId: 'm-1', eventBusName: 'b' }).DetailType,
  mode: sync.mode,
}));
`;

/** Typed use of both entries: any unresolved type would make `@ts-expect-error` fail. */
const TYPED_USE = (importLines: string) => `${importLines}

export function onDelivered(event: unknown): RecipientDeliveredDetail {
  const detail = consumerSchemas.RecipientDelivered.parse(event);
  const sequence: number = detail.sequence;
  // @ts-expect-error sequence is a number, not a string
  const wrong: string = detail.sequence;
  void wrong;
  void sequence;
  return detail;
}

export const entry = trackMessageEntry({ messageId: 'm-1', eventBusName: 'bus' });
// @ts-expect-error eventBusName is required
trackMessageEntry({ messageId: 'm-1' });
export const types: readonly DetailType[] = DETAIL_TYPES;
export const schema: TrackMessageDetail = trackMessageDetail.parse({ messageId: 'm' });

export function build(stack: Stack): MailPartnerStatusSync {
  const props: MailPartnerStatusSyncProps = { mode: 'fan-out' };
  return new MailPartnerStatusSync(stack, 'Sync', props);
}
`;

const IMPORTS = `import type { Stack } from 'aws-cdk-lib';
import { MailPartnerStatusSync, type MailPartnerStatusSyncProps } from 'mailpartner-status-sync';
import {
  consumerSchemas,
  DETAIL_TYPES,
  type DetailType,
  type RecipientDeliveredDetail,
  type TrackMessageDetail,
  trackMessageDetail,
  trackMessageEntry,
} from 'mailpartner-status-sync/catalog';`;

beforeAll(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'status-sync-pack-'));
  app = path.join(dir, 'app');
  await mkdir(app);
  const packed = await sh('npm', ['pack', '--pack-destination', dir], PROJECT_ROOT);
  const tarball = packed.stdout.trim().split('\n').at(-1) as string;
  files = (await sh('tar', ['-tzf', path.join(dir, tarball)], dir)).stdout
    .trim()
    .split('\n')
    .map((name) => name.replace(/^package\//, ''));

  const ours = JSON.parse(readFileSync(path.join(PROJECT_ROOT, 'package-lock.json'), 'utf8'));
  const manifest = JSON.parse(readFileSync(path.join(PROJECT_ROOT, 'package.json'), 'utf8'));
  const { lock, dependencies } = consumerLock(ours as Lock, manifest, `../${tarball}`, [
    'aws-cdk-lib',
    'constructs',
  ]);
  const pkg = { name: 'consumer-app', version: '0.0.0', private: true, dependencies };
  writeFileSync(path.join(app, 'package.json'), JSON.stringify(pkg, null, 2));
  writeFileSync(
    path.join(app, 'package-lock.json'),
    JSON.stringify({ name: 'consumer-app', version: '0.0.0', ...lock }, null, 2),
  );
  await sh('npm', ['install', '--offline', '--no-audit', '--no-fund'], app);

  writeFileSync(path.join(app, 'app.js'), CJS_APP);
  writeFileSync(path.join(app, 'cdk.json'), JSON.stringify({ app: 'node app.js' }));
  await sh(
    process.execPath,
    [
      path.join(PROJECT_ROOT, 'node_modules', 'aws-cdk', 'bin', 'cdk'),
      'synth',
      '--quiet',
      '--no-notices',
    ],
    app,
  );
  template = JSON.parse(readFileSync(path.join(app, 'cdk.out', 'Consumer.template.json'), 'utf8'));
}, 600_000);

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
}, 120_000);

describe('the tarball', () => {
  it('holds what runs and no tests, bench, fixtures, local tooling or sources', () => {
    expect(files).toContain('dist/esm/infra/index.js');
    expect(files).toContain('dist/cjs/index.js');
    expect(files).toContain('dist/functions/poller/index.mjs');
    expect(files).toContain('bin/status-sync.mjs');
    const unwanted = files.filter(
      (name) =>
        /^(test|bench|local|functions|runtime|shared|infra|cli|scripts)\//.test(name) ||
        /(^|\/)(fixtures?|__tests__)\//.test(name) ||
        /\.test\.[cm]?[jt]s$/.test(name) ||
        (/\.ts$/.test(name) && !name.endsWith('.d.ts')),
    );
    expect(unwanted).toEqual([]);
  });

  it('installs without esbuild or tsx', async () => {
    const found = await readdir(path.join(app, 'node_modules'), { recursive: true });
    const tools = found.filter((name) => /(^|\/)(esbuild|tsx|@esbuild)$/.test(String(name)));
    expect(tools).toEqual([]);
    expect(existsSync(path.join(app, 'node_modules', 'mailpartner-status-sync', 'dist'))).toBe(
      true,
    );
  });
});

describe('a CommonJS CDK app synthesizes', () => {
  const ofType = (type: string) =>
    Object.values(template.Resources).filter((resource) => resource.Type === type);

  it('the table, the functions from the prebuilt assets, and the rules', () => {
    expect(ofType('AWS::DynamoDB::Table')).toHaveLength(1);
    const functions = ofType('AWS::Lambda::Function');
    expect(functions.length).toBeGreaterThanOrEqual(2);
    for (const fn of functions) {
      expect(fn.Properties).toMatchObject({
        Handler: 'index.handler',
        Runtime: 'nodejs24.x',
        Architectures: ['arm64'],
      });
    }
    const rules = ofType('AWS::Events::Rule');
    const patterns = rules.map((rule) => rule.Properties.EventPattern);
    expect(patterns).toContainEqual({
      source: ['mailpartner.status-sync'],
      'detail-type': ['RecipientDelivered', 'RecipientNotDelivered'],
      detail: { metadata: { tenant: ['acme'] } },
    });
    expect(patterns).toContainEqual(expect.objectContaining({ 'detail-type': ['TrackMessage'] }));
    expect(rules.some((rule) => rule.Properties.ScheduleExpression)).toBe(true);
  });

  it('one registry schema per detail-type, JSONSchemaDraft4', () => {
    expect(ofType('AWS::EventSchemas::Registry')).toHaveLength(1);
    const schemas = ofType('AWS::EventSchemas::Schema');
    expect(schemas.map((s) => s.Properties.SchemaName).sort()).toEqual(
      DETAIL_TYPES.map((type) => `mailpartner.status-sync@${type}`).sort(),
    );
    for (const schema of schemas) {
      expect(schema.Properties.Type).toBe('JSONSchemaDraft4');
      expect(JSON.parse(schema.Properties.Content as string).$schema).toBe(
        'http://json-schema.org/draft-04/schema#',
      );
    }
  });

  it('the TrackMessage grant, limited to TrackMessage from the accepted sources', () => {
    const statements = ofType('AWS::IAM::Policy').flatMap(
      (policy) =>
        (policy.Properties.PolicyDocument as { Statement: Record<string, unknown>[] }).Statement,
    );
    expect(statements).toContainEqual(
      expect.objectContaining({
        Action: 'events:PutEvents',
        Condition: {
          StringEquals: {
            'events:source': ['mailpartner.status-sync.client'],
            'events:detail-type': 'TrackMessage',
          },
        },
      }),
    );
  });
});

describe('from an ES module app and TypeScript', () => {
  it('an ES module app imports the construct and the catalog and synthesizes', async () => {
    writeFileSync(path.join(app, 'esm-app.mjs'), ESM_APP);
    const { stdout } = await sh(process.execPath, ['esm-app.mjs'], app);
    expect(JSON.parse(stdout)).toEqual({
      functions: expect.any(Number),
      detailTypes: DETAIL_TYPES.length,
      entry: 'TrackMessage',
      mode: 'fan-out',
    });
    expect(JSON.parse(stdout).functions).toBeGreaterThanOrEqual(3);
  });

  it('tsc type-checks NodeNext files (CommonJS and ESM) importing both entries', async () => {
    writeFileSync(path.join(app, 'consumer.ts'), TYPED_USE(IMPORTS));
    writeFileSync(path.join(app, 'consumer-esm.mts'), TYPED_USE(IMPORTS));
    writeFileSync(
      path.join(app, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          target: 'ES2022',
          module: 'NodeNext',
          moduleResolution: 'NodeNext',
          strict: true,
          noEmit: true,
          skipLibCheck: true,
          types: [],
        },
        files: ['consumer.ts', 'consumer-esm.mts'],
      }),
    );
    await sh(path.join(BIN, 'tsc'), ['-p', 'tsconfig.json'], app);
    // The same check fails on a real type error: the types are not `any`.
    writeFileSync(
      path.join(app, 'consumer.ts'),
      `${TYPED_USE(IMPORTS)}\nexport const bad: string = consumerSchemas.RecipientDelivered.parse({}).sequence;\n`,
    );
    await expect(sh(path.join(BIN, 'tsc'), ['-p', 'tsconfig.json'], app)).rejects.toThrow(/TS2322/);
  });

  it('npx status-sync runs the compiled CLI', async () => {
    const { stdout } = await sh(
      'npm',
      ['exec', '--offline', '--', 'status-sync', '--version'],
      app,
    );
    expect(stdout.trim()).toBe(
      JSON.parse(readFileSync(path.join(PROJECT_ROOT, 'package.json'), 'utf8')).version,
    );
  });
});
