/**
 * Section 4, size: the poller's bundle (with and without the AWS SDK inside),
 * the time a fresh process takes to import it (cold-start proxy, checking that
 * the import makes no network call), and the peak memory of syncing one message
 * of 100,000 recipients end to end, measured in a child process that holds only
 * the engine (dynalite, the simulator and the EventBridge endpoint stay here),
 * with the V8 heap limits Lambda gives a 256 MB function.
 */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { gzipSync } from 'node:zlib';
import { bundle, bundleWithMeta, bytesByPackage, ROOT } from './bundle.ts';
import { BENCH_API_KEY, lockstepRecipients, startLoopback } from './loopback.ts';

export interface BundleFigures {
  readonly label: string;
  readonly external: readonly string[];
  /** A what-if variant (not what the stack builds). */
  readonly whatIf: boolean;
  /** Built the way infra/bundling.ts builds the function. */
  readonly deployed: boolean;
  readonly bytes: number;
  readonly gzipBytes: number;
  /** In-process time of `await import(bundle)`, ms, each run in a fresh `node`. */
  readonly importMs: readonly number[];
  /** Whole process (spawn to exit: node start-up + import), ms. */
  readonly processMs: readonly number[];
  /** TCP connects and DNS lookups during the import and 200 ms after it. */
  readonly networkCalls: number;
  readonly exportsHandler: boolean;
  /** Largest contributors to the output, bytes by package. */
  readonly packages: readonly [string, number][];
}

export interface SizeResult {
  readonly bundles: readonly BundleFigures[];
  /** What infra/bundling.ts does with the SDK, read from its source. */
  readonly stackBundling: string;
  readonly memory: MemoryFigures;
}

export interface MemoryPeak {
  readonly rssMb: number;
  readonly heapUsedMb: number;
  readonly heapTotalMb: number;
  readonly externalMb: number;
}

export interface MemoryFigures {
  readonly recipients: number;
  /** The Lambda memory size whose V8 heap limits the child ran with. */
  readonly functionMemoryMb: number;
  /** The node flags of the child: what Lambda's Node.js bootstrap passes for that memory size. */
  readonly nodeFlags: readonly string[];
  /** Size of the provider's JSON reply for this message. */
  readonly replyBytes: number;
  /** What the product's MailPartner client said about that reply. */
  readonly realClient: string;
  readonly baseline: MemoryPeak;
  readonly phases: Readonly<
    Record<string, { ms: number; maxRssMb: number; peak: MemoryPeak; outcome: string }>
  >;
}

/** Set so `loadConfig` accepts the environment; nothing here points at a real endpoint. */
const HANDLER_ENV = {
  TABLE_NAME: 'mailpartner-status-sync',
  EVENT_BUS_NAME: 'default',
  AWS_REGION: 'us-east-1',
  MAILPARTNER_API_KEY_SECRET: 'mailpartner/api-key',
  AWS_LAMBDA_FUNCTION_NAME: 'bench-poller',
  POWERTOOLS_SERVICE_NAME: 'mailpartner-status-sync',
};

/** Imports the file given in argv, counting socket connects and DNS lookups. */
const IMPORT_PROBE = `
import net from 'node:net';
import dns from 'node:dns';
let network = 0;
const connect = net.Socket.prototype.connect;
net.Socket.prototype.connect = function (...args) { network += 1; return connect.apply(this, args); };
const lookup = dns.lookup;
dns.lookup = function (...args) { network += 1; return lookup.apply(this, args); };
const started = performance.now();
const mod = await import(process.argv[1]);
const ms = performance.now() - started;
await new Promise((resolve) => setTimeout(resolve, 200));
process.stdout.write(JSON.stringify({ ms, network, handler: typeof mod.handler === 'function' }));
`;

export async function measureSize(options: { recipients?: number; runs?: number } = {}) {
  const runs = options.runs ?? 5;
  const stack = stackExternals();
  const variants = [
    { label: 'AWS SDK bundled', external: [] as string[], whatIf: false },
    { label: '@aws-sdk/* external', external: ['@aws-sdk/*'], whatIf: false },
    { label: 'what-if: SDK bundled, zod locales left out', external: [], whatIf: true },
    {
      label: 'what-if: @aws-sdk/* external, zod locales left out',
      external: ['@aws-sdk/*'],
      whatIf: true,
    },
  ];
  const built = [];
  for (const variant of variants) {
    const name = `poller-${variant.external.length ? 'sdk-external' : 'sdk-bundled'}${variant.whatIf ? '-no-zod-locales' : ''}.mjs`;
    const { file, metafile } = await bundleWithMeta('functions/poller.ts', name, {
      external: variant.external,
      withoutZodLocales: variant.whatIf,
    });
    const deployed = !variant.whatIf && sameList(variant.external, stack.externals);
    built.push({
      ...variant,
      label: deployed ? `${variant.label} (as the stack builds it)` : variant.label,
      deployed,
      file,
      metafile,
      importMs: [] as number[],
      processMs: [] as number[],
      networkCalls: 0,
      exportsHandler: true,
    });
  }
  // Runs interleaved across the variants, so a burst of load on the machine hits them alike.
  for (let i = 0; i < runs; i++) {
    for (const b of built) {
      const started = performance.now();
      const out = JSON.parse(
        await runNode(
          ['--input-type=module', '-e', IMPORT_PROBE, pathToFileURL(b.file).href],
          HANDLER_ENV,
        ),
      ) as { ms: number; network: number; handler: boolean };
      b.processMs.push(performance.now() - started);
      b.importMs.push(out.ms);
      b.networkCalls = Math.max(b.networkCalls, out.network);
      b.exportsHandler &&= out.handler;
    }
  }
  const bundles: BundleFigures[] = built.map((b) => ({
    label: b.label,
    external: b.external,
    whatIf: b.whatIf,
    deployed: b.deployed,
    bytes: statSync(b.file).size,
    gzipBytes: gzipSync(readFileSync(b.file), { level: 9 }).length,
    importMs: b.importMs,
    processMs: b.processMs,
    networkCalls: b.networkCalls,
    exportsHandler: b.exportsHandler,
    packages: bytesByPackage(b.metafile),
  }));
  return {
    bundles,
    stackBundling: stack.description,
    memory: await measureMemory(options.recipients ?? 100_000),
  } satisfies SizeResult;
}

/** The `externalModules` of infra/bundling.ts, read from its source (importing it would load aws-cdk-lib). */
function stackExternals(): { externals: string[]; description: string } {
  const file = path.join(ROOT, 'infra', 'bundling.ts');
  if (!existsSync(file)) {
    return { externals: [], description: 'infra/bundling.ts not found (assumed: SDK bundled)' };
  }
  const match = /externalModules:\s*\[([^\]]*)\]/.exec(readFileSync(file, 'utf8'));
  if (!match) {
    return {
      externals: ['@aws-sdk/*'],
      description: 'infra/bundling.ts sets no externalModules (CDK default: @aws-sdk/* external)',
    };
  }
  const externals = [...(match[1] ?? '').matchAll(/['"]([^'"]+)['"]/g)].map((m) => m[1] as string);
  return {
    externals,
    description: `infra/bundling.ts has externalModules [${externals.map((e) => `'${e}'`).join(', ')}] (${
      externals.length === 0 ? 'the AWS SDK is bundled' : 'the Lambda runtime provides them'
    })`,
  };
}

function sameList(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((x) => b.includes(x));
}

/** The function memory the goal is set for (a 256 MB Lambda). */
const FUNCTION_MEMORY_MB = 256;

/**
 * The V8 heap limits Lambda's Node.js bootstrap sets from the function's
 * memory: a tenth for the young generation (half of it per semi-space), the
 * rest for the old one. Without them V8 sizes its heap from this machine's
 * memory and lets garbage pile up far past what a 256 MB function would allow,
 * so the RSS measured would be the collector's leisure, not the engine's need.
 */
function lambdaNodeFlags(memoryMb: number): string[] {
  const newSpace = Math.floor(memoryMb / 10);
  return [
    `--max-semi-space-size=${Math.floor(newSpace / 2)}`,
    `--max-old-space-size=${memoryMb - newSpace}`,
  ];
}

async function measureMemory(recipients: number): Promise<MemoryFigures> {
  const child = await bundle('bench/memory-child.ts', 'memory-child.mjs');
  const lb = await startLoopback({ tableName: 'status-sync-memory' });
  try {
    const sentAt = lb.now;
    const messageId = '800001';
    lb.simulator.addMessage(messageId, lockstepRecipients(recipients, sentAt, []), { sentAt });
    lb.now = sentAt + 30_000;
    const reply = await fetch(
      `${lb.simulator.url}/bulk-status?apiKey=${BENCH_API_KEY}&messageId=${messageId}`,
    );
    const replyBytes = (await reply.arrayBuffer()).byteLength;
    const nodeFlags = lambdaNodeFlags(FUNCTION_MEMORY_MB);
    const out = await runNode([...nodeFlags, child], {
      BENCH_DYNAMO_URL: lb.dynamo.endpoint,
      BENCH_EVENTBRIDGE_URL: lb.bus.url,
      BENCH_PROVIDER_URL: lb.simulator.url,
      BENCH_API_KEY,
      BENCH_TABLE: lb.tableName,
      BENCH_MESSAGE_ID: messageId,
      BENCH_NOW: String(lb.now),
    });
    const parsed = JSON.parse(out) as Omit<
      MemoryFigures,
      'recipients' | 'replyBytes' | 'functionMemoryMb' | 'nodeFlags'
    >;
    return { recipients, replyBytes, functionMemoryMb: FUNCTION_MEMORY_MB, nodeFlags, ...parsed };
  } finally {
    await lb.close();
  }
}

/** Runs `node args` with `env` added to a minimal environment; resolves with its stdout. */
function runNode(args: readonly string[], env: Record<string, string>): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
    });
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    child.once('error', reject);
    child.once('close', (code) => {
      if (code === 0) resolve(stdout);
      else reject(new Error(`node ${args[0]} exited with ${code}: ${stderr.slice(-2000)}`));
    });
  });
}
