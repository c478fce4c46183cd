/**
 * The runtime dependencies: what each is, under which licence, whether the
 * lock file and node_modules match package.json, and whether the code that
 * ships needs it.
 *
 *   npx tsx scripts/deps-report.ts [--json] [--no-npm] [--root <dir>]
 *
 * Exit 0: nothing to fix. Exit 1: problems, each listed with what to do.
 * Exit 2: bad usage or an unreadable project.
 *
 * Rules (docs/reliability.md, "Dependencies"):
 * - Lock: package-lock.json's root entry declares exactly package.json's
 *   dependency ranges, each locked version satisfies its range, node_modules
 *   holds the locked version, and `npm ls --all --package-lock-only` (offline)
 *   finds nothing wrong in the lock's tree.
 * - Need: a runtime dependency must be imported (not just `import type`) by code
 *   the Lambda functions bundle (the import closure of functions/*.ts) or by the
 *   CLI (cli/, bin/: reported as "CLI only"), or be a peer dependency of one
 *   that is. One imported only by local/, infra/, bench/ or scripts/ belongs in
 *   devDependencies; one imported by nothing should go. Function code importing
 *   a devDependency, or any code importing an undeclared package (one that
 *   happens to be installed as someone else's dependency), is a problem. The
 *   CLI may import devDependencies (it runs from a checkout: bin/ needs tsx);
 *   that is noted, not failed. Imports are read with esbuild, as the stack
 *   bundles the functions: `import type` does not count.
 * - Licences: every package in the production closure (the lock's non-dev
 *   entries) must have a permissive licence (see ALLOWED_LICENCES); a missing or
 *   other licence needs a human decision.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { buildSync, type Metafile } from 'esbuild';

/** Licences a bundled dependency may carry without asking anyone (SPDX ids). */
export const ALLOWED_LICENCES: ReadonlySet<string> = new Set([
  '0BSD',
  'Apache-2.0',
  'BlueOak-1.0.0',
  'BSD-2-Clause',
  'BSD-3-Clause',
  'CC0-1.0',
  'ISC',
  'MIT',
  'MIT-0',
  'Python-2.0',
  'Unlicense',
  'Zlib',
]);

/** Where code that ships starts: each Lambda handler, and the CLI. */
const FUNCTION_ENTRIES = 'functions';
const CLI_ENTRIES = ['cli', 'bin'];
/** Code that never ships: local servers, the CDK app, benchmarks, scripts. */
const TOOLING_DIRS = ['local', 'infra', 'bench', 'scripts'];
const SOURCE = /\.(?:ts|mts|cts|js|mjs|cjs)$/;

export type Usage = 'function' | 'cli' | 'peer' | 'tooling' | 'unused';

export interface RuntimeDependency {
  readonly name: string;
  /** Range in package.json. */
  readonly range: string;
  /** Version in package-lock.json, null when the lock lacks it. */
  readonly locked: string | null;
  /** Version in node_modules, null when not installed. */
  readonly installed: string | null;
  readonly licence: string;
  readonly usage: Usage;
  /** Files importing it (function or CLI code first), relative to the root. */
  readonly importedBy: readonly string[];
  /** For `peer`: the dependencies naming it as a peer. */
  readonly peerOf: readonly string[];
}

export type ProblemKind =
  | 'lock'
  | 'install'
  | 'npm-ls'
  | 'unused'
  | 'dev-only'
  | 'dev-import'
  | 'undeclared'
  | 'licence';

export interface Problem {
  readonly kind: ProblemKind;
  readonly name: string;
  readonly detail: string;
}

export interface DependencyReport {
  readonly runtime: readonly RuntimeDependency[];
  /** Packages in the production closure, and how many carry each licence. */
  readonly production: { readonly packages: number; readonly licences: Record<string, number> };
  readonly devDependencies: number;
  /** `npm ls` result: 'ok', or why it was not run. */
  readonly npmLs: string;
  readonly problems: readonly Problem[];
  /** Worth knowing, nothing to fix (e.g. the CLI launcher needing a devDependency). */
  readonly notes: readonly string[];
}

interface PackageJson {
  name?: string;
  version?: string;
  license?: unknown;
  licenses?: unknown;
  dependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
}

interface LockEntry extends PackageJson {
  dev?: boolean;
  devOptional?: boolean;
  link?: boolean;
}

interface Lock {
  lockfileVersion?: number;
  packages?: Record<string, LockEntry>;
}

/** Builds the report for the project at `root`. `npm: false` skips `npm ls`. */
export function buildReport(root: string, options: { npm?: boolean } = {}): DependencyReport {
  const pkg = readJson<PackageJson>(join(root, 'package.json'));
  const lock = readJson<Lock>(join(root, 'package-lock.json'));
  if (!lock.packages || (lock.lockfileVersion ?? 0) < 2) {
    throw new UsageError(
      'package-lock.json has no "packages" map (lockfileVersion 2 or 3 needed): run npm install with npm 7 or later',
    );
  }
  const problems: Problem[] = [];
  const runtimeRanges = pkg.dependencies ?? {};
  const devRanges = pkg.devDependencies ?? {};

  checkLock(pkg, lock, root, problems);
  const npmLs = options.npm === false ? 'not run (--no-npm)' : runNpmLs(root, problems);

  const notes: string[] = [];
  const imports = scanImports(root, notes);
  const declared = new Set([
    ...Object.keys(runtimeRanges),
    ...Object.keys(devRanges),
    ...Object.keys(pkg.optionalDependencies ?? {}),
    ...Object.keys(pkg.peerDependencies ?? {}),
  ]);
  const used = (name: string, where: 'function' | 'cli' | 'tooling') =>
    [...(imports[where].get(name) ?? [])].sort();

  // Which runtime dependencies the shipped code reaches, directly or as a peer.
  const shipped = new Set(
    Object.keys(runtimeRanges).filter(
      (n) => used(n, 'function').length + used(n, 'cli').length > 0,
    ),
  );
  const runtime: RuntimeDependency[] = Object.entries(runtimeRanges)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([name, range]) => {
      const installedPkg = readInstalled(root, `node_modules/${name}`);
      const peerOf = [...shipped].filter((p) => {
        const peers = readInstalled(root, `node_modules/${p}`)?.peerDependencies ?? {};
        return Object.hasOwn(peers, name);
      });
      const importedBy = [
        ...used(name, 'function'),
        ...used(name, 'cli'),
        ...used(name, 'tooling'),
      ];
      const usage: Usage =
        used(name, 'function').length > 0
          ? 'function'
          : used(name, 'cli').length > 0
            ? 'cli'
            : peerOf.length > 0
              ? 'peer'
              : used(name, 'tooling').length > 0
                ? 'tooling'
                : 'unused';
      if (usage === 'unused') {
        problems.push({
          kind: 'unused',
          name,
          detail:
            'in dependencies, but no code imports it and no used dependency names it as a peer: remove it (npm uninstall)',
        });
      } else if (usage === 'tooling') {
        problems.push({
          kind: 'dev-only',
          name,
          detail: `only tooling imports it (${importedBy.join(', ')}): move it to devDependencies so nothing ships it`,
        });
      }
      return {
        name,
        range,
        locked: lock.packages?.[`node_modules/${name}`]?.version ?? null,
        installed: installedPkg?.version ?? null,
        licence: licenceOf(installedPkg ?? lock.packages?.[`node_modules/${name}`]),
        usage,
        importedBy,
        peerOf,
      };
    });

  for (const [name, files] of imports.function) {
    if (Object.hasOwn(devRanges, name) && !Object.hasOwn(runtimeRanges, name)) {
      problems.push({
        kind: 'dev-import',
        name,
        detail: `the function bundle imports it (${[...files].sort().join(', ')}) but it is a devDependency: move it to dependencies`,
      });
    }
  }
  for (const [name, files] of imports.cli) {
    // The CLI runs from a checkout (`npm ci` installs devDependencies too).
    if (Object.hasOwn(devRanges, name) && !Object.hasOwn(runtimeRanges, name)) {
      notes.push(
        `the CLI imports ${name}, a devDependency (${[...files].sort().join(', ')}): it runs from a checkout with devDependencies installed`,
      );
    }
  }
  for (const where of ['function', 'cli', 'tooling'] as const) {
    for (const [name, files] of imports[where]) {
      if (!declared.has(name) && name !== pkg.name) {
        problems.push({
          kind: 'undeclared',
          name,
          detail: `imported by ${[...files].sort().join(', ')} but not in package.json: it only works because another package brought it in; add it`,
        });
      }
    }
  }

  const production = productionLicences(root, lock, problems);
  return {
    runtime,
    production,
    devDependencies: Object.keys(devRanges).length,
    npmLs,
    problems: dedupe(problems),
    notes,
  };
}

// ---------------------------------------------------------------------------
// Lock file

function checkLock(pkg: PackageJson, lock: Lock, root: string, problems: Problem[]): void {
  const rootEntry = lock.packages?.[''] ?? {};
  for (const field of ['dependencies', 'devDependencies', 'optionalDependencies'] as const) {
    const wanted = pkg[field] ?? {};
    const locked = rootEntry[field] ?? {};
    for (const name of new Set([...Object.keys(wanted), ...Object.keys(locked)])) {
      if (wanted[name] !== locked[name]) {
        problems.push({
          kind: 'lock',
          name,
          detail: `package.json ${field} has ${wanted[name] ?? 'nothing'}, package-lock.json has ${locked[name] ?? 'nothing'}: run npm install and commit package-lock.json`,
        });
      }
    }
    for (const [name, range] of Object.entries(wanted)) {
      const entry = lock.packages?.[`node_modules/${name}`];
      if (!entry?.version) {
        problems.push({ kind: 'lock', name, detail: 'not in package-lock.json: run npm install' });
        continue;
      }
      if (satisfies(entry.version, range) === false) {
        problems.push({
          kind: 'lock',
          name,
          detail: `package-lock.json locks ${entry.version}, which does not satisfy ${range}: run npm install`,
        });
      }
      const installed = readInstalled(root, `node_modules/${name}`)?.version;
      if (
        installed !== entry.version &&
        !(field === 'optionalDependencies' && installed === undefined)
      ) {
        problems.push({
          kind: 'install',
          name,
          detail: `node_modules has ${installed ?? 'nothing'}, package-lock.json locks ${entry.version}: run npm ci`,
        });
      }
    }
  }
}

function runNpmLs(root: string, problems: Problem[]): string {
  const run = spawnSync('npm', ['ls', '--all', '--package-lock-only', '--json'], {
    cwd: root,
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
    env: { ...process.env, npm_config_offline: 'true' },
  });
  if (run.error) return `not run (${run.error.message})`;
  let tree: { problems?: unknown; error?: { summary?: string } } = {};
  try {
    tree = JSON.parse(run.stdout || '{}');
  } catch {
    return `not run (unreadable output, exit ${run.status})`;
  }
  const found = Array.isArray(tree.problems) ? tree.problems.map(String) : [];
  if (tree.error?.summary) found.push(tree.error.summary);
  for (const detail of found) problems.push({ kind: 'npm-ls', name: 'package-lock.json', detail });
  if (found.length === 0 && run.status !== 0) {
    problems.push({
      kind: 'npm-ls',
      name: 'package-lock.json',
      detail: `npm ls exited ${run.status}: ${run.stderr.trim().slice(0, 300)}`,
    });
  }
  return found.length === 0 && run.status === 0 ? 'ok' : `${found.length || 1} problem(s)`;
}

/**
 * Whether `version` satisfies `range`, for the range forms package.json files
 * use (exact, ^, ~, >=, <, x-ranges, `||`, hyphen-less AND by space); null when
 * the form is not understood (a tag, a URL, a workspace), which is not reported.
 */
export function satisfies(version: string, range: string): boolean | null {
  const v = parseVersion(version);
  if (!v) return null;
  const alternatives = range.trim().split(/\s*\|\|\s*/);
  let understood = true;
  const ok = alternatives.some((alternative) => {
    const parts = alternative.split(/\s+/).filter(Boolean);
    if (parts.length === 0) return true;
    return parts.every((part) => {
      const result = comparatorHolds(v, part);
      if (result === null) understood = false;
      return result === true;
    });
  });
  return ok ? true : understood ? false : null;
}

type Triple = [number, number, number];

function parseVersion(text: string): Triple | null {
  const m = /^v?(\d+)\.(\d+)\.(\d+)(?:[-+].*)?$/.exec(text.trim());
  return m ? [Number(m[1]), Number(m[2]), Number(m[3])] : null;
}

function compare(a: Triple, b: Triple): number {
  return a[0] - b[0] || a[1] - b[1] || a[2] - b[2];
}

function comparatorHolds(v: Triple, part: string): boolean | null {
  if (part === '*' || part === 'x' || part === 'latest') return part === 'latest' ? null : true;
  const m = /^(\^|~|>=|<=|>|<|=)?v?(\d+|x|\*)(?:\.(\d+|x|\*))?(?:\.(\d+|x|\*))?(?:-[\w.]+)?$/.exec(
    part,
  );
  if (!m) return null;
  const op = m[1] ?? '';
  const nums = [m[2], m[3], m[4]].map((n) =>
    n === undefined || n === 'x' || n === '*' ? null : Number(n),
  );
  const base: Triple = [nums[0] ?? 0, nums[1] ?? 0, nums[2] ?? 0];
  const wild = nums.indexOf(null);
  if (op === '' || op === '=') {
    if (wild < 0) return compare(v, base) === 0;
    return nums.slice(0, wild).every((n, i) => n === v[i]);
  }
  if (op === '>=') return compare(v, base) >= 0;
  if (op === '>') return compare(v, base) > 0;
  if (op === '<=') return compare(v, base) <= 0;
  if (op === '<') return compare(v, base) < 0;
  if (op === '~') {
    const upper: Triple = nums[1] === null ? [base[0] + 1, 0, 0] : [base[0], base[1] + 1, 0];
    return compare(v, base) >= 0 && compare(v, upper) < 0;
  }
  // ^: the left-most non-zero part stays.
  const upper: Triple =
    base[0] > 0 || nums[1] === null
      ? [base[0] + 1, 0, 0]
      : base[1] > 0 || nums[2] === null
        ? [0, base[1] + 1, 0]
        : [0, 0, base[2] + 1];
  return compare(v, base) >= 0 && compare(v, upper) < 0;
}

// ---------------------------------------------------------------------------
// Licences

/** SPDX expression of a package.json, 'UNKNOWN' when it has none. */
export function licenceOf(pkg: PackageJson | undefined): string {
  const value = pkg?.license ?? pkg?.licenses;
  if (typeof value === 'string' && value.trim() !== '') return value.trim();
  if (value && typeof value === 'object' && !Array.isArray(value)) {
    const type = (value as { type?: unknown }).type;
    if (typeof type === 'string') return type;
  }
  if (Array.isArray(value)) {
    const types = value
      .map((v) => (v as { type?: unknown })?.type)
      .filter((t): t is string => typeof t === 'string');
    if (types.length > 0)
      return types.length === 1 ? (types[0] as string) : `(${types.join(' OR ')})`;
  }
  return 'UNKNOWN';
}

/** Whether an SPDX expression lets us ship the package (any OR branch allowed, every AND part). */
export function licenceAllowed(expression: string): boolean {
  const text = expression.replace(/[()]/g, ' ').trim();
  if (text === '' || text === 'UNKNOWN') return false;
  return text
    .split(/\s+OR\s+/i)
    .some((branch) =>
      branch.split(/\s+AND\s+/i).every((id) => ALLOWED_LICENCES.has(id.trim().replace(/\+$/, ''))),
    );
}

function productionLicences(root: string, lock: Lock, problems: Problem[]) {
  const licences: Record<string, number> = {};
  let packages = 0;
  for (const [path, entry] of Object.entries(lock.packages ?? {})) {
    if (path === '' || entry.dev || entry.devOptional || entry.link) continue;
    packages += 1;
    const licence = licenceOf(readInstalled(root, path) ?? entry);
    licences[licence] = (licences[licence] ?? 0) + 1;
    if (!licenceAllowed(licence)) {
      problems.push({
        kind: 'licence',
        name: path.replace(/^.*node_modules\//, ''),
        detail: `ships with the function under licence ${licence}, not on the allowed list (${[...ALLOWED_LICENCES].join(', ')}): get it approved, add it to the list, or replace the package`,
      });
    }
  }
  return {
    packages,
    licences: Object.fromEntries(Object.entries(licences).sort(([, a], [, b]) => b - a)),
  };
}

// ---------------------------------------------------------------------------
// Imports

type ImportMap = Map<string, Set<string>>;
type Scope = 'function' | 'cli' | 'tooling';

/**
 * Package imports of the function bundle, the CLI and tooling, by package,
 * as esbuild (the bundler the stack uses) sees them: it follows relative
 * imports, drops `import type`, and keeps `import {} from 'x'` where the
 * tsconfig's verbatimModuleSyntax keeps it.
 */
function scanImports(root: string, notes: string[]): Record<Scope, ImportMap> {
  const fn = bundleImports(root, listSources(join(root, FUNCTION_ENTRIES), false));
  if ('error' in fn) throw new UsageError(`cannot bundle ${FUNCTION_ENTRIES}/: ${fn.error}`);
  const cli = bundleImports(
    root,
    CLI_ENTRIES.flatMap((d) => listSources(join(root, d), true)),
  );
  if ('error' in cli) throw new UsageError(`cannot bundle the CLI: ${cli.error}`);
  const shipped = new Set([...fn.files, ...cli.files]);
  const toolingEntries = [
    ...TOOLING_DIRS.flatMap((d) => listSources(join(root, d), true)),
    // Files of shared/ no entry point reaches (one-off scripts such as the schema export).
    ...listSources(join(root, 'shared'), true).filter((f) => !shipped.has(f)),
  ];
  const tooling: ImportMap = new Map();
  for (const entry of toolingEntries) {
    const one = bundleImports(root, [entry]);
    if ('error' in one) {
      notes.push(`${relative(root, entry)} was not scanned: ${one.error}`);
      continue;
    }
    merge(tooling, one.imports);
  }
  // The CLI bundles the shared code too; count only what the function bundle does not.
  const cliOnly: ImportMap = new Map();
  for (const [name, files] of cli.imports) {
    const own = [...files].filter((f) => !fn.files.has(join(root, f)));
    if (own.length > 0) cliOnly.set(name, new Set(own));
  }
  return { function: fn.imports, cli: cliOnly, tooling };
}

function merge(into: ImportMap, from: ImportMap): void {
  for (const [name, files] of from) {
    const set = into.get(name) ?? new Set<string>();
    for (const f of files) set.add(f);
    into.set(name, set);
  }
}

function bundleImports(
  root: string,
  entries: readonly string[],
): { imports: ImportMap; files: Set<string> } | { error: string } {
  if (entries.length === 0) return { imports: new Map(), files: new Set() };
  let metafile: Metafile;
  try {
    const result = buildSync({
      absWorkingDir: root,
      entryPoints: [...entries],
      bundle: true,
      write: false,
      metafile: true,
      platform: 'node',
      format: 'esm',
      packages: 'external',
      logLevel: 'silent',
      outdir: join(root, '.deps-report'),
    });
    metafile = result.metafile as Metafile;
  } catch (error) {
    const first = (error as { errors?: { text?: string }[] }).errors?.[0]?.text;
    return { error: first ?? (error as Error).message };
  }
  const imports: ImportMap = new Map();
  const files = new Set<string>();
  for (const [file, input] of Object.entries(metafile.inputs)) {
    files.add(join(root, file));
    for (const imported of input.imports) {
      const name = imported.external ? packageName(imported.path) : null;
      if (!name) continue;
      const set = imports.get(name) ?? new Set<string>();
      set.add(file.split(sep).join('/'));
      imports.set(name, set);
    }
  }
  return { imports, files };
}

function listSources(dir: string, recursive: boolean): string[] {
  if (!existsSync(dir)) return [];
  const out: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) {
      if (recursive && name !== 'node_modules') out.push(...listSources(path, true));
    } else if (SOURCE.test(name) && !name.endsWith('.d.ts')) {
      out.push(path);
    }
  }
  return out;
}

const BUILTINS = new Set(builtinModules);

/** `@scope/name/sub` → `@scope/name`, `name/sub` → `name`; null for Node built-ins. */
export function packageName(specifier: string): string | null {
  if (
    specifier.startsWith('node:') ||
    BUILTINS.has(specifier) ||
    BUILTINS.has(specifier.split('/')[0] as string)
  ) {
    return null;
  }
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : (parts[0] as string);
}

// ---------------------------------------------------------------------------

class UsageError extends Error {}

function readJson<T>(path: string): T {
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as T;
  } catch (error) {
    throw new UsageError(`cannot read ${path}: ${(error as Error).message}`);
  }
}

function readInstalled(root: string, path: string): PackageJson | undefined {
  const file = join(root, path, 'package.json');
  if (!existsSync(file)) return undefined;
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as PackageJson;
  } catch {
    return undefined;
  }
}

function dedupe(problems: readonly Problem[]): Problem[] {
  const seen = new Set<string>();
  return problems.filter((p) => {
    const key = `${p.kind}\u0000${p.name}\u0000${p.detail}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

const USAGE_TEXT: Readonly<Record<Usage, string>> = {
  function: 'functions',
  cli: 'CLI only',
  peer: 'peer of',
  tooling: 'tooling only',
  unused: 'nothing',
};

/** The report as text for a terminal or a CI log. */
export function formatReport(report: DependencyReport): string {
  const rows = report.runtime.map((d) => [
    d.name,
    d.range,
    d.locked ?? '-',
    d.licence,
    d.usage === 'peer'
      ? `${USAGE_TEXT.peer} ${d.peerOf.join(', ')}`
      : d.usage === 'function' || d.usage === 'cli'
        ? `${USAGE_TEXT[d.usage]} (${d.importedBy.length} file${d.importedBy.length === 1 ? '' : 's'})`
        : USAGE_TEXT[d.usage],
  ]);
  const header = ['dependency', 'range', 'locked', 'licence', 'needed by'];
  const widths = header.map((h, i) =>
    Math.max(h.length, ...rows.map((r) => (r[i] as string).length)),
  );
  const line = (cells: readonly string[]) =>
    `  ${cells.map((c, i) => c.padEnd(widths[i] as number)).join('  ')}`.trimEnd();
  const licences = Object.entries(report.production.licences)
    .map(([l, n]) => `${l} ${n}`)
    .join(', ');
  const out = [
    `Runtime dependencies (${report.runtime.length}), as locked:`,
    line(header),
    ...rows.map(line),
    '',
    `Production closure: ${report.production.packages} packages (${licences}).`,
    `devDependencies: ${report.devDependencies}. npm ls --package-lock-only: ${report.npmLs}.`,
    ...report.notes.map((n) => `Note: ${n}.`),
    '',
    report.problems.length === 0
      ? 'No problems.'
      : [
          `Problems (${report.problems.length}):`,
          ...report.problems.map((p) => `  ✗ [${p.kind}] ${p.name}: ${p.detail}`),
        ].join('\n'),
  ];
  return `${out.join('\n')}\n`;
}

/** Where the report and usage errors go. */
export interface ReportIo {
  stdout(text: string): void;
  stderr(text: string): void;
}

const PROCESS_IO: ReportIo = {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
};

/** Runs the script; returns its exit code. */
export function main(argv: readonly string[], io: ReportIo = PROCESS_IO): number {
  const args = [...argv];
  let root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
  let json = false;
  let npm = true;
  while (args.length > 0) {
    const arg = args.shift();
    if (arg === '--json') json = true;
    else if (arg === '--no-npm') npm = false;
    else if (arg === '--root' && args.length > 0) root = resolve(args.shift() as string);
    else {
      io.stderr(
        `deps-report: unknown argument ${arg}\nusage: deps-report [--json] [--no-npm] [--root <dir>]\n`,
      );
      return 2;
    }
  }
  let report: DependencyReport;
  try {
    report = buildReport(root, { npm });
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    io.stderr(`deps-report: ${error.message}\n`);
    return 2;
  }
  io.stdout(json ? `${JSON.stringify(report, null, 2)}\n` : formatReport(report));
  return report.problems.length === 0 ? 0 : 1;
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  process.exitCode = main(process.argv.slice(2));
}
