/**
 * The `status-sync` CLI run as a user runs it: a real process (bin/status-sync.mjs
 * under this Node), configured only through the environment given (plus PATH),
 * its exit code and both output streams collected once it ends. Tests that drive
 * the CLI share this runner instead of each writing its own.
 */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** The CLI launcher, for tests that build a shell command line around it. */
export const CLI_BIN = fileURLToPath(new URL('../../bin/status-sync.mjs', import.meta.url));

/** How a process ended: its exit code (1 when it was killed or did not start) and its output. */
export interface ProcessRun {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Environment of a process: PATH is added; nothing else of the test's own is passed on. */
export type ProcessEnv = Readonly<Record<string, string | undefined>>;

export interface ProcessOptions {
  /** Milliseconds before the process is killed (then `code` is 1). Default 60 000. */
  readonly timeoutMs?: number;
  /** Bytes of stdout or stderr beyond which the process is killed. Default: Node's (1 MiB). */
  readonly maxBuffer?: number;
}

export interface CliOptions extends ProcessOptions {
  /**
   * A command the CLI runs under, with its arguments, e.g. `[faketime, '-f', stamp]`:
   * the process is then `wrapper[0] ...wrapper.slice(1) node bin/status-sync.mjs ...args`.
   */
  readonly wrapper?: readonly string[];
}

/** Runs `file args` with `env` (and PATH) and resolves once it ends; never rejects. */
export function runProcess(
  file: string,
  args: readonly string[],
  env: ProcessEnv,
  options: ProcessOptions = {},
): Promise<ProcessRun> {
  return new Promise((resolve) => {
    execFile(
      file,
      args,
      {
        env: { PATH: process.env.PATH, ...env },
        timeout: options.timeoutMs ?? 60_000,
        // Left out rather than undefined: execFile would read undefined as "no limit".
        ...(options.maxBuffer === undefined ? {} : { maxBuffer: options.maxBuffer }),
      },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

/** Runs `status-sync args` with `env` (and PATH) and resolves once it ends; never rejects. */
export function runCli(
  args: readonly string[],
  env: ProcessEnv,
  options: CliOptions = {},
): Promise<ProcessRun> {
  const [file, ...before] = [...(options.wrapper ?? []), process.execPath, CLI_BIN];
  return runProcess(file as string, [...before, ...args], env, options);
}
