/**
 * How the CLI fails, and the exit code each failure gets. Scripts branch on
 * these codes, so they are a contract (listed in `status-sync --help`).
 */
import { ConfigError } from '../shared/config.ts';
import { classifyError, errorMessage } from '../shared/sync/error-kind.ts';

/** Exit codes of every command. */
export const EXIT = {
  /** Done. */
  ok: 0,
  /** The command ran but did not fully succeed: retry it (a poll with failed messages, events the bus refused, AWS unreachable). */
  failure: 1,
  /** Fix the command or the settings: bad arguments, an unknown message, invalid or missing configuration. */
  usage: 2,
} as const;

/** The `--help` epilogue; README's CLI section says the same. */
export const EXIT_CODES_HELP = `
Exit codes:
  0  done
  1  the command ran but something failed; run it again (poll: a message failed to
     sync; replay/snapshot: the bus refused events; DynamoDB or EventBridge unreachable)
  2  usage or configuration: bad arguments, unknown command, a message that is not
     tracked, a missing or invalid setting (API key, MAILPARTNER_BASE_URL, table, bus, region)

Every command takes --json for machine-readable output. Colour only on a terminal;
NO_COLOR turns it off, FORCE_COLOR on.
`;

/** A failure the CLI reports in one line, without a stack. */
export class CliFailure extends Error {
  override readonly name = 'CliFailure';
  constructor(
    message: string,
    readonly exitCode: number,
    /** Stable name for `--json` error output: usage, not-tracked, configuration, failure. */
    readonly kind: string,
  ) {
    super(message);
  }
}

/** Bad arguments or a refused request: exit 2. */
export function usageFailure(message: string): CliFailure {
  return new CliFailure(message, EXIT.usage, 'usage');
}

/** The message is not tracked: exit 2 on every command. */
export function notTracked(messageId: string, hint = ': run status-sync track'): CliFailure {
  return new CliFailure(`${messageId} is not tracked${hint}`, EXIT.usage, 'not-tracked');
}

/** The command ran but part of it failed: exit 1. */
export function runFailure(message: string): CliFailure {
  return new CliFailure(message, EXIT.failure, 'failure');
}

const REGION_MISSING = /Region is missing/;

/**
 * Any error to what the user sees: configuration problems (ours, the adapters'
 * `configuration` kind, the SDK finding no region) and refused requests exit 2,
 * the rest 1.
 */
export function describeFailure(error: unknown): {
  exitCode: number;
  kind: string;
  message: string;
} {
  if (error instanceof CliFailure) {
    return { exitCode: error.exitCode, kind: error.kind, message: error.message };
  }
  const message = errorMessage(error);
  if (REGION_MISSING.test(message)) {
    return {
      exitCode: EXIT.usage,
      kind: 'configuration',
      message:
        'No AWS region: set AWS_REGION (or AWS_DEFAULT_REGION), or a region in your AWS profile ' +
        '(AWS_PROFILE); for `npm start`, load its env file (.status-sync/env)',
    };
  }
  if (error instanceof ConfigError) return { exitCode: EXIT.usage, kind: 'configuration', message };
  const kind = classifyError(error);
  // A refused request (an unusable messageId or metadata) is the user's input to fix.
  if (kind === 'configuration' || kind === 'bad-request') {
    return { exitCode: EXIT.usage, kind, message };
  }
  return { exitCode: EXIT.failure, kind, message };
}
