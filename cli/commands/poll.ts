/** `status-sync poll`: one sync cycle, as the scheduled function runs it. */
import type { Command } from 'commander';
import type { ErrorKind } from '../../shared/errors.ts';
import { runCycle } from '../../shared/sync/sync-cycle.ts';
import type { MessageOutcome } from '../../shared/sync/sync-message.ts';
import type { CliContext, JsonFlag } from '../context.ts';
import { CliFailure, EXIT, runFailure } from '../failures.ts';
import { formatEventLine, formatSummaryLine } from '../format.ts';
import { withJson } from '../options.ts';
import { printable } from '../printable.ts';
import type { Style } from '../style.ts';

/**
 * Outcomes that are no failure of this poll: the provider does not know the
 * message yet (normal right after sending), or it was untracked meanwhile.
 */
const EXPECTED: ReadonlySet<ErrorKind> = new Set(['not-found', 'not-tracked']);

export function registerPoll(program: Command, ctx: CliContext): void {
  withJson(
    program
      .command('poll')
      .summary('Run one sync cycle over the due messages')
      .description('Run one sync cycle over the due messages (exit 1 if a message failed).')
      .option('--force', 'treat every active tracked message as due', false),
  ).action(async (opts: JsonFlag & { force: boolean }) => {
    const rt = ctx.runtime();
    const summary = await runCycle(rt.syncDeps(), {
      force: opts.force,
      concurrency: rt.config.concurrency,
      onOutcome: (o) => {
        if (!opts.json) ctx.out(describeOutcome(o, ctx.style));
      },
    });
    const failures = summary.outcomes.filter(
      (o) => o.kind === 'error' && !EXPECTED.has(o.errorKind),
    );
    if (opts.json) {
      const { outcomes: _outcomes, ...rest } = summary;
      ctx.json({
        ...rest,
        failures: failures.map((o) =>
          o.kind === 'error'
            ? { messageId: o.messageId, kind: o.errorKind, message: o.message }
            : null,
        ),
      });
    } else ctx.out(`${formatSummaryLine(summary)}\n`);
    if (summary.stoppedBy === 'configuration') {
      const first = failures.find((o) => o.kind === 'error' && o.errorKind === 'configuration');
      throw new CliFailure(
        first?.kind === 'error' ? first.message : 'configuration error: cycle stopped',
        EXIT.usage,
        'configuration',
      );
    }
    if (failures.length > 0 || summary.stoppedBy !== null) {
      throw runFailure(
        `${failures.length} message(s) failed to sync${summary.stoppedBy ? `, cycle stopped by ${summary.stoppedBy}` : ''}; the next poll retries them`,
      );
    }
  });
}

function describeOutcome(o: MessageOutcome, style: Style): string {
  if (o.kind === 'changed') return o.events.map((e) => `${formatEventLine(e, style)}\n`).join('');
  if (o.kind === 'error' && !EXPECTED.has(o.errorKind)) {
    return `${style.bad('!')} ${printable(o.messageId)}: ${o.errorKind}: ${printable(o.message)}\n`;
  }
  return '';
}
