/**
 * scripts/deps-report.ts: on small projects written to a temporary folder (one
 * rule each), and on this repository.
 */
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import {
  buildReport,
  type DependencyReport,
  licenceAllowed,
  main,
  satisfies,
} from '../../scripts/deps-report.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

interface Dep {
  readonly range: string;
  readonly locked?: string;
  /** null: not installed. */
  readonly installed?: string | null;
  readonly license?: string | null;
  readonly peers?: Record<string, string>;
}

const folders: string[] = [];
afterAll(() => {
  for (const f of folders) rmSync(f, { recursive: true, force: true });
});

/** A project with these dependencies (locked and installed as given) and source files. */
function project(spec: {
  deps?: Record<string, Dep>;
  devDeps?: Record<string, Dep>;
  files: Record<string, string>;
  lockRoot?: { dependencies?: Record<string, string> };
  transitive?: Record<string, { license?: string; dev?: boolean }>;
}): string {
  const dir = mkdtempSync(join(tmpdir(), 'deps-report-'));
  folders.push(dir);
  const write = (path: string, text: string) => {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), text);
  };
  const ranges = (deps: Record<string, Dep> = {}) =>
    Object.fromEntries(Object.entries(deps).map(([n, d]) => [n, d.range]));
  const packages: Record<string, unknown> = {
    '': {
      name: 'fixture',
      version: '1.0.0',
      dependencies: ranges(spec.deps),
      devDependencies: ranges(spec.devDeps),
      ...spec.lockRoot,
    },
  };
  for (const [deps, dev] of [
    [spec.deps ?? {}, false],
    [spec.devDeps ?? {}, true],
  ] as const) {
    for (const [name, d] of Object.entries(deps)) {
      const version = d.locked ?? d.range.replace(/^[\^~]/, '');
      const license = d.license === null ? {} : { license: d.license ?? 'MIT' };
      packages[`node_modules/${name}`] = { version, ...license, ...(dev ? { dev: true } : {}) };
      if (d.installed !== null) {
        write(
          `node_modules/${name}/package.json`,
          JSON.stringify({
            name,
            version: d.installed ?? version,
            ...license,
            peerDependencies: d.peers,
          }),
        );
      }
    }
  }
  for (const [name, t] of Object.entries(spec.transitive ?? {})) {
    packages[`node_modules/${name}`] = {
      version: '1.0.0',
      license: t.license,
      ...(t.dev ? { dev: true } : {}),
    };
  }
  write(
    'package.json',
    JSON.stringify({
      name: 'fixture',
      version: '1.0.0',
      dependencies: ranges(spec.deps),
      devDependencies: ranges(spec.devDeps),
    }),
  );
  write('package-lock.json', JSON.stringify({ name: 'fixture', lockfileVersion: 3, packages }));
  for (const [path, text] of Object.entries(spec.files)) write(path, text);
  return dir;
}

const kinds = (r: DependencyReport) => r.problems.map((p) => `${p.kind} ${p.name}`).sort();
const report = (dir: string) => buildReport(dir, { npm: false });

describe('deps-report', () => {
  it('a healthy project: each runtime dependency found where it is needed, nothing to fix', () => {
    const dir = project({
      deps: {
        'fn-lib': { range: '1.2.3', peers: { 'peer-lib': '>=1' } },
        'cli-lib': { range: '^2.0.0', locked: '2.4.1' },
        'peer-lib': { range: '3.0.0', license: 'Apache-2.0' },
      },
      devDeps: { 'dev-tool': { range: '1.0.0', license: 'GPL-3.0' } },
      files: {
        'functions/handler.ts':
          "import { a } from 'fn-lib';\nimport { readFileSync } from 'node:fs';\nimport type { X } from 'types-only';\nimport { helper } from '../shared/helper.ts';\nexport const handler = () => [a, helper, readFileSync] as X;\n",
        'shared/helper.ts': "import { b } from 'fn-lib/sub/path';\nexport const helper = b;\n",
        'cli/main.ts':
          "import { Command } from 'cli-lib';\nimport { helper } from '../shared/helper.ts';\nexport const run = () => new Command(helper);\n",
        'local/server.ts': "import tool from 'dev-tool';\nexport default tool;\n",
      },
    });
    const r = report(dir);
    expect(r.problems).toEqual([]);
    expect(
      r.runtime.map((d) => [d.name, d.range, d.locked, d.installed, d.licence, d.usage]),
    ).toEqual([
      ['cli-lib', '^2.0.0', '2.4.1', '2.4.1', 'MIT', 'cli'],
      ['fn-lib', '1.2.3', '1.2.3', '1.2.3', 'MIT', 'function'],
      ['peer-lib', '3.0.0', '3.0.0', '3.0.0', 'Apache-2.0', 'peer'],
    ]);
    expect(r.runtime.find((d) => d.name === 'fn-lib')?.importedBy).toEqual([
      'functions/handler.ts',
      'shared/helper.ts',
    ]);
    expect(r.runtime.find((d) => d.name === 'peer-lib')?.peerOf).toEqual(['fn-lib']);
    // GPL in a devDependency never ships: not counted.
    expect(r.production).toEqual({ packages: 3, licences: { MIT: 2, 'Apache-2.0': 1 } });
    const out: string[] = [];
    expect(
      main(['--root', dir, '--no-npm'], { stdout: (t) => out.push(t), stderr: (t) => out.push(t) }),
    ).toBe(0);
    expect(out.join('')).toMatch(/cli-lib\s+\^2\.0\.0\s+2\.4\.1\s+MIT\s+CLI only \(1 file\)/);
    expect(out.join('')).toContain('No problems.');
  });

  it.each<[string, Parameters<typeof project>[0], string[]]>([
    [
      'package.json and the lock disagree',
      {
        deps: { a: { range: '1.2.0' } },
        lockRoot: { dependencies: { a: '1.1.0' } },
        files: { 'functions/h.ts': "import 'a';" },
      },
      ['lock a'],
    ],
    [
      'the locked version does not satisfy the range',
      {
        deps: { a: { range: '^2.0.0', locked: '1.9.0' } },
        files: { 'functions/h.ts': "import 'a';" },
      },
      ['lock a'],
    ],
    [
      'node_modules holds another version than the lock',
      {
        deps: { a: { range: '1.0.0', installed: '1.0.1' } },
        files: { 'functions/h.ts': "import 'a';" },
      },
      ['install a'],
    ],
    [
      'a dependency nothing imports',
      {
        deps: { a: { range: '1.0.0' }, b: { range: '1.0.0' } },
        files: { 'functions/h.ts': "import 'a';" },
      },
      ['unused b'],
    ],
    [
      'a dependency only tooling imports',
      {
        deps: { a: { range: '1.0.0' }, b: { range: '1.0.0' } },
        files: {
          'functions/h.ts': "import 'a';",
          'infra/app.ts': "import { B } from 'b'; export { B };",
        },
      },
      ['dev-only b'],
    ],
    [
      'the function imports a devDependency, and a package nobody declared',
      {
        deps: { a: { range: '1.0.0' } },
        devDeps: { d: { range: '1.0.0' } },
        files: {
          'functions/h.ts':
            "import 'a';\nimport { x } from 'd';\nconst y = await import('ghost');\nexport { x, y };",
        },
      },
      ['dev-import d', 'undeclared ghost'],
    ],
    [
      'a shipped package with a copyleft or missing licence',
      {
        deps: {
          a: { range: '1.0.0', license: 'GPL-3.0-only' },
          b: { range: '1.0.0', license: null },
        },
        transitive: { deep: { license: 'AGPL-3.0' }, devdeep: { license: 'AGPL-3.0', dev: true } },
        files: { 'functions/h.ts': "import 'a';\nimport 'b';" },
      },
      ['licence a', 'licence b', 'licence deep'],
    ],
  ])('flags %s, and exits 1', (_what, spec, expected) => {
    const dir = project(spec);
    expect(kinds(report(dir))).toEqual(expected);
    const err: string[] = [];
    expect(
      main(['--root', dir, '--no-npm'], { stdout: (t) => err.push(t), stderr: (t) => err.push(t) }),
    ).toBe(1);
    expect(err.join('')).toMatch(/Problems \(\d+\):\n {2}✗ \[/);
  });

  it('exits 2 on a project it cannot read, or an unknown argument', () => {
    const io = { stdout: () => {}, stderr: () => {} };
    expect(main(['--root', join(tmpdir(), 'no-such-project-here')], io)).toBe(2);
    expect(main(['--frobnicate'], io)).toBe(2);
  });

  it.each<[string, string, boolean | null]>([
    ['1.2.3', '1.2.3', true],
    ['1.2.4', '1.2.3', false],
    ['1.9.0', '^1.2.3', true],
    ['2.0.0', '^1.2.3', false],
    ['0.2.9', '^0.2.3', true],
    ['0.3.0', '^0.2.3', false],
    ['1.2.9', '~1.2.3', true],
    ['1.3.0', '~1.2.3', false],
    ['3.1169.0', '>=3.x', true],
    ['1.5.0', '>=1.0.0 <2.0.0', true],
    ['2.5.0', '1.x || 2.x', true],
    ['3.0.0', '1.x || 2.x', false],
    ['1.0.0', 'latest', null],
  ])('satisfies(%s, %s) is %s', (version, range, expected) => {
    expect(satisfies(version, range)).toBe(expected);
  });

  it.each<[string, boolean]>([
    ['MIT', true],
    ['Apache-2.0', true],
    ['(MIT OR GPL-3.0)', true],
    ['MIT AND GPL-3.0', false],
    ['GPL-3.0-only', false],
    ['SEE LICENSE IN LICENSE.txt', false],
    ['UNKNOWN', false],
  ])('licence %s is allowed: %s', (licence, allowed) => {
    expect(licenceAllowed(licence)).toBe(allowed);
  });
});

describe('deps-report on this repository', () => {
  /** Problems described in test/reliability/KNOWN-FAILING.md ("5."), not fixed yet. */
  const KNOWN: readonly string[] = [];

  it('lists every runtime dependency with its locked version and licence; the lock is in sync', () => {
    const r = buildReport(ROOT, { npm: true });
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
      dependencies: Record<string, string>;
    };
    const lock = JSON.parse(readFileSync(join(ROOT, 'package-lock.json'), 'utf8')) as {
      packages: Record<string, { version: string }>;
    };
    expect(r.runtime.map((d) => d.name)).toEqual(Object.keys(pkg.dependencies).sort());
    for (const d of r.runtime) {
      expect(d.locked, d.name).toBe(lock.packages[`node_modules/${d.name}`]?.version);
      expect(d.installed, d.name).toBe(d.locked);
      expect(licenceAllowed(d.licence), `${d.name}: ${d.licence}`).toBe(true);
    }
    expect(r.npmLs).toBe('ok');
    const byName = new Map(r.runtime.map((d) => [d.name, d]));
    expect(byName.get('zod')?.usage).toBe('function');
    expect(byName.get('commander')?.usage).toBe('cli');
    expect(byName.get('@aws-sdk/client-secrets-manager')?.usage).toBe('peer');
    const unexpected = kinds(r).filter((k) => !KNOWN.includes(k));
    expect(unexpected).toEqual([]);
  });

  it('runs as a script: JSON out, exit code 1 exactly when there are problems', async () => {
    const run = await new Promise<{ code: number; stdout: string }>((resolve) => {
      execFile(
        process.execPath,
        ['--import', 'tsx', 'scripts/deps-report.ts', '--json', '--no-npm'],
        { cwd: ROOT, timeout: 60_000 },
        (error, stdout) => resolve({ code: error ? Number(error.code) : 0, stdout }),
      );
    });
    const parsed = JSON.parse(run.stdout) as DependencyReport;
    expect(parsed.runtime.length).toBeGreaterThan(0);
    expect(run.code).toBe(parsed.problems.length === 0 ? 0 : 1);
    expect(parsed.problems.every((p) => typeof p.detail === 'string' && p.detail.length > 0)).toBe(
      true,
    );
  });
});
