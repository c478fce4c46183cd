/**
 * A package-lock.json for the consumer app of the pack test, cut from ours:
 * the tarball plus exactly the lock entries reachable from its dependencies
 * and from the consumer's own (aws-cdk-lib, constructs), at the versions and
 * integrity hashes ours pins. With it, `npm install --offline` installs from
 * the npm cache alone: without a lock npm must fetch each package's manifest
 * to choose versions, and the cache holds tarballs only (npm ci fetched none).
 */
interface LockEntry {
  readonly version?: string;
  readonly resolved?: string;
  readonly integrity?: string;
  readonly dev?: boolean;
  readonly optional?: boolean;
  readonly peer?: boolean;
  readonly dependencies?: Record<string, string>;
  readonly optionalDependencies?: Record<string, string>;
  readonly peerDependencies?: Record<string, string>;
  readonly peerDependenciesMeta?: Record<string, { optional?: boolean }>;
  readonly [key: string]: unknown;
}

export interface Lock {
  readonly lockfileVersion: number;
  readonly packages: Record<string, LockEntry>;
}

/** `node_modules/a/node_modules/b` → `node_modules/a`; `node_modules/a` → '' (the root). */
function parentOf(location: string): string {
  const at = location.lastIndexOf('/node_modules/');
  return at === -1 ? '' : location.slice(0, at);
}

/** Where Node finds `name` from the package at `from`, in the lock's layout. */
function resolveIn(packages: Lock['packages'], from: string, name: string): string | undefined {
  for (let dir = from; ; dir = parentOf(dir)) {
    const candidate = `${dir === '' ? '' : `${dir}/`}node_modules/${name}`;
    if (packages[candidate]) return candidate;
    if (dir === '') return undefined;
  }
}

/** Every non-optional dependency name an entry needs installed (npm 7+ installs peers). */
function needs(entry: LockEntry): string[] {
  const optionalPeers = new Set(
    Object.entries(entry.peerDependenciesMeta ?? {})
      .filter(([, meta]) => meta.optional)
      .map(([name]) => name),
  );
  return [
    ...Object.keys(entry.dependencies ?? {}),
    ...Object.keys(entry.optionalDependencies ?? {}),
    ...Object.keys(entry.peerDependencies ?? {}).filter((name) => !optionalPeers.has(name)),
  ];
}

/**
 * The consumer's lock: `ours` (our package-lock.json), the packed manifest
 * `pkg`, the tarball's path relative to the consumer app, and the consumer's
 * direct dependencies besides our package (names only: ours pins the versions).
 */
export function consumerLock(
  ours: Lock,
  pkg: { name: string; version: string; bin?: Record<string, string> } & Pick<
    LockEntry,
    'dependencies' | 'peerDependencies'
  >,
  tarball: string,
  direct: readonly string[],
): { lock: Lock; dependencies: Record<string, string> } {
  const packages: Record<string, LockEntry> = {};
  const pending: [from: string, name: string][] = [
    ...Object.keys(pkg.dependencies ?? {}).map((name): [string, string] => ['', name]),
    ...direct.map((name): [string, string] => ['', name]),
  ];
  while (pending.length > 0) {
    const [from, name] = pending.pop() as [string, string];
    const location = resolveIn(ours.packages, from, name);
    if (location === undefined) {
      const optional = ours.packages[from]?.optionalDependencies?.[name] !== undefined;
      if (optional) continue;
      throw new Error(`our lock has no ${name} reachable from ${from || 'the root'}`);
    }
    if (packages[location]) continue;
    const { dev: _dev, peer: _peer, ...entry } = ours.packages[location] as LockEntry;
    packages[location] = entry;
    for (const dep of needs(entry)) pending.push([location, dep]);
  }
  const dependencies: Record<string, string> = { [pkg.name]: `file:${tarball}` };
  for (const name of direct) {
    dependencies[name] = (ours.packages[`node_modules/${name}`] as LockEntry).version as string;
  }
  packages[`node_modules/${pkg.name}`] = {
    version: pkg.version,
    resolved: `file:${tarball}`,
    // npm links bins from the lock's record, not from the unpacked manifest.
    ...(pkg.bin ? { bin: pkg.bin } : {}),
    ...(pkg.dependencies ? { dependencies: pkg.dependencies } : {}),
    ...(pkg.peerDependencies ? { peerDependencies: pkg.peerDependencies } : {}),
  };
  return {
    lock: {
      lockfileVersion: 3,
      packages: { '': { name: 'consumer-app', version: '0.0.0', dependencies }, ...packages },
    } as Lock,
    dependencies,
  };
}
