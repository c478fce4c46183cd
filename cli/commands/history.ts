/** `status-sync history`: the audit trail of a message. */
import type { Command } from 'commander';
import { columns } from '../columns.ts';
import type { CliContext, JsonFlag } from '../context.ts';
import { notTracked } from '../failures.ts';
import { eventCells } from '../format.ts';
import { normalizeMessageId, withJson } from '../options.ts';

export function registerHistory(program: Command, ctx: CliContext): void {
  withJson(
    program
      .command('history')
      .summary('The audit trail of a message: every change')
      .description(
        'The audit trail of a message: every recorded change, oldest first per recipient.',
      )
      .argument('<messageId>', 'a tracked messageId', normalizeMessageId)
      .option('--email <address>', 'only this recipient'),
  ).action(async (messageId: string, opts: JsonFlag & { email?: string }) => {
    const store = ctx.runtime().store;
    const records = await store.audit.history(
      messageId,
      opts.email === undefined ? {} : { email: opts.email },
    );
    if (records.length === 0 && !(await store.load(messageId))) {
      throw notTracked(messageId, ': no history');
    }
    if (opts.json) {
      const rows = records.map((r) => ({
        eventId: r.eventId,
        detailType: r.detailType,
        observedAt: r.observedAt,
        expiresAt: new Date(r.expiresAt * 1000).toISOString(),
        detail: r.event.detail,
      }));
      return ctx.json({ messageId, records: rows });
    }
    for (const line of columns(records.map((r) => eventCells(r.event, ctx.style))).split(
      /(?<=\n)/,
    )) {
      if (line !== '') ctx.out(line);
    }
    ctx.out(`${records.length} record(s)\n`);
  });
}
