/**
 * What every command gets: the scrubbed output streams, the colour style, JSON
 * output, and the runtime (AWS clients, store, publisher), built on first use so
 * `--help` and argument errors need no configuration.
 */
import type { Runtime } from '../runtime/runtime.ts';
import type { Style } from './style.ts';

/** The process around the CLI; tests pass their own. */
export interface CliIo {
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  /** Whether stdout is a terminal (colour only then, see style.ts); default false. */
  readonly stdoutIsTTY?: boolean;
}

export interface CliContext {
  readonly io: CliIo;
  /** Colours for text mode (never used in JSON output). */
  readonly style: Style;
  /**
   * The runtime, created once; `env` overrides settings for this run (such as
   * `--bus`). Overrides given after the first call are an error in the caller.
   */
  runtime(env?: Readonly<Record<string, string>>): Runtime;
  /** Text to stdout. */
  out(text: string): void;
  /** Text to stderr. */
  err(text: string): void;
  /** One JSON document to stdout (`--json`); field names are a contract. */
  json(value: unknown): void;
}

/** `--json` on a command: the flag every command has. */
export interface JsonFlag {
  readonly json: boolean;
}
