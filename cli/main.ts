/**
 * `status-sync`: the command-line face of the engine, for local use and for a
 * deployed stack (point it at the table and bus by name). Command names, flags,
 * `--json` field names and exit codes are a contract: scripts depend on them.
 * One module per command under commands/; this file wires them and turns
 * failures into exit codes (failures.ts).
 */
import { Command, CommanderError, Option } from 'commander';
import { createRuntime, type Runtime } from '../runtime/runtime.ts';
import { loadConfig } from '../shared/config.ts';
import { registerForget } from './commands/forget.ts';
import { registerHistory } from './commands/history.ts';
import { registerInit } from './commands/init.ts';
import { registerList } from './commands/list.ts';
import { registerPoll } from './commands/poll.ts';
import { registerReplay, registerSnapshot } from './commands/publish.ts';
import { registerStatus } from './commands/status.ts';
import { registerTrack } from './commands/track.ts';
import type { CliContext, CliIo } from './context.ts';
import { describeFailure, EXIT, EXIT_CODES_HELP } from './failures.ts';
import { printable } from './printable.ts';
import { colourWanted, createStyle, PLAIN } from './style.ts';
import { packageVersion } from './version.ts';

export type { CliIo } from './context.ts';

function buildProgram(ctx: CliContext): Command {
  const program = new Command('status-sync')
    .description('Turns MailPartner delivery statuses into EventBridge events.')
    .version(packageVersion(), '-V, --version', 'print the version')
    .showHelpAfterError()
    .exitOverride()
    .configureOutput({ writeOut: ctx.out, writeErr: ctx.err })
    .addHelpText('after', EXIT_CODES_HELP);
  registerInit(program, ctx);
  registerTrack(program, ctx);
  registerList(program, ctx);
  registerStatus(program, ctx);
  registerHistory(program, ctx);
  registerPoll(program, ctx);
  registerReplay(program, ctx);
  registerSnapshot(program, ctx);
  registerForget(program, ctx);
  program.addOption(new Option('--verbose', 'print stack traces on errors').hideHelp());
  return program;
}

/**
 * Runs the CLI; resolves to the exit code (see failures.ts). Anything printed
 * passes through a final scrub of the API key, in case some library put it in a
 * message.
 */
export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  const key = io.env.MAILPARTNER_API_KEY?.trim();
  const scrub = (t: string) => (key ? t.split(key).join('***') : t);
  const jsonMode = argv.includes('--json');
  const style = jsonMode ? PLAIN : createStyle(colourWanted(io.env, io.stdoutIsTTY ?? false));
  const holder: { rt: Runtime | null } = { rt: null };
  const ctx: CliContext = {
    io,
    style,
    runtime(overrides = {}) {
      holder.rt ??= createRuntime(loadConfig({ ...io.env, ...overrides }));
      return holder.rt;
    },
    out: (t) => io.stdout(scrub(t)),
    err: (t) => io.stderr(scrub(t)),
    json: (value) => io.stdout(scrub(`${JSON.stringify(value, null, 2)}\n`)),
  };
  try {
    await buildProgram(ctx).parseAsync([...argv], { from: 'user' });
    return EXIT.ok;
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode === 0 ? EXIT.ok : EXIT.usage;
    const failure = describeFailure(error);
    if (jsonMode) {
      ctx.err(`${JSON.stringify({ error: failure })}\n`);
    } else {
      ctx.err(`${style.bad('status-sync:')} ${printable(failure.message)}\n`);
    }
    return failure.exitCode;
  } finally {
    holder.rt?.close();
  }
}
