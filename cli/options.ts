/** Arguments and flags several commands share, with their parsers and checks. */
import { type Command, Option } from 'commander';
import * as z from 'zod';
import type { CliContext } from './context.ts';
import { usageFailure } from './failures.ts';

// One written form of an id (trimmed, NFC), so ' 12345' is the message 12345.
export { normalizeMessageId } from '../shared/store/track-request.ts';

/** Adds `--json` to a command. */
export function withJson(command: Command): Command {
  return command.addOption(new Option('--json', 'print JSON (stable field names)').default(false));
}

export function parseMeta(value: string, previous: Record<string, string>): Record<string, string> {
  const eq = value.indexOf('=');
  if (eq <= 0) throw usageFailure(`--meta expects key=value, got "${value}"`);
  return { ...previous, [value.slice(0, eq)]: value.slice(eq + 1) };
}

/** `--send-at`: ISO 8601 with an explicit offset, so the time cannot be read in the wrong zone. */
export function parseSendAt(value: string): Date {
  if (!z.iso.datetime({ offset: true }).safeParse(value).success) {
    throw usageFailure(
      `--send-at expects an ISO 8601 time with an offset, such as 2027-03-30T10:00:00+02:00 or 2027-03-30T08:00:00Z; got "${value}"`,
    );
  }
  return new Date(value);
}

/** Adds `--bus <name>` to a command that publishes. */
export function withBus(command: Command): Command {
  return command.option(
    '--bus <name>',
    'event bus to publish on (name or ARN; default: EVENT_BUS_NAME, which must then be set)',
  );
}

/**
 * The runtime of a command that publishes, on a bus named explicitly. Without
 * one the events would go to the account's default bus, where no rule of this
 * stack listens: they would be accepted and reach nobody.
 */
export function publishingRuntime(ctx: CliContext, command: string, bus: string | undefined) {
  const name = bus?.trim() || ctx.io.env.EVENT_BUS_NAME?.trim();
  if (!name) {
    throw usageFailure(
      `${command} publishes events: name the bus with --bus <name> or set EVENT_BUS_NAME ` +
        "(the stack's bus, where the consumers' rules listen); it does not fall back to the default bus",
    );
  }
  return ctx.runtime({ EVENT_BUS_NAME: name });
}
