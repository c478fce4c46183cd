/** `status-sync history`: the audit trail of a message, or of one person across messages. */
import type { Command } from 'commander';
import { inTimeOrder } from '../../shared/domain/history-order.ts';
import type { AuditRecord } from '../../shared/ports.ts';
import { columns } from '../columns.ts';
import type { CliContext, JsonFlag } from '../context.ts';
import { notTracked, usageFailure } from '../failures.ts';
import { eventCells } from '../format.ts';
import { normalizeMessageId, withJson } from '../options.ts';

export function registerHistory(program: Command, ctx: CliContext): void {
  withJson(
    program
      .command('history')
      .summary('Audit trail of a message, or of one recipient')
      .description(
        'The audit trail, oldest first: every recorded change of a message, or with --email and no messageId, ' +
          'every change of that recipient across all messages (through the recipient index, no scan; the address is matched trimmed and case-insensitively; a hashing deployment needs its salt).',
      )
      .argument(
        '[messageId]',
        'a tracked messageId (omit with --email: every message)',
        normalizeMessageId,
      )
      .option('--email <address>', 'only this recipient'),
  ).action(async (messageId: string | undefined, opts: JsonFlag & { email?: string }) => {
    const store = ctx.runtime().store;
    let records: AuditRecord[];
    if (messageId === undefined) {
      if (opts.email === undefined || opts.email.trim() === '') {
        throw usageFailure(
          'history needs a messageId, or --email <address> for one recipient across messages',
        );
      }
      records = await store.audit.recipientHistory(opts.email);
    } else {
      records = await store.audit.history(
        messageId,
        opts.email === undefined ? {} : { email: opts.email },
      );
      if (records.length === 0 && !(await store.load(messageId))) {
        throw notTracked(messageId, ': no history');
      }
    }
    const ordered = inTimeOrder(records);
    if (opts.json) {
      const rows = ordered.map((r) => ({
        eventId: r.eventId,
        messageId: r.event.detail.messageId,
        detailType: r.detailType,
        observedAt: r.observedAt,
        expiresAt: new Date(r.expiresAt * 1000).toISOString(),
        detail: r.event.detail,
      }));
      return ctx.json(messageId === undefined ? { records: rows } : { messageId, records: rows });
    }
    for (const line of columns(ordered.map((r) => eventCells(r.event, ctx.style))).split(
      /(?<=\n)/,
    )) {
      if (line !== '') ctx.out(line);
    }
    ctx.out(`${ordered.length} record(s)\n`);
  });
}
