/** `status-sync list`: every tracked message, active or ended. */
import type { Command } from 'commander';
import type { TrackedMessage } from '../../shared/domain/tracked-message.ts';
import { type Cell, columns } from '../columns.ts';
import type { CliContext, JsonFlag } from '../context.ts';
import { messageJson } from '../message-view.ts';
import { withJson } from '../options.ts';
import { printable } from '../printable.ts';
import type { Style } from '../style.ts';

export function registerList(program: Command, ctx: CliContext): void {
  withJson(
    program
      .command('list')
      .summary('Tracked messages: state, send time, polls')
      .description(
        'List tracked messages: state, expected send, last and next poll (reads the whole table).',
      )
      .option('--active', 'only messages still being polled', false),
  ).action(async (opts: JsonFlag & { active: boolean }) => {
    const all = await ctx.runtime().store.listAll();
    const messages = opts.active ? all.filter((m) => m.active) : all;
    if (opts.json) return ctx.json({ messages: messages.map(messageJson) });
    if (messages.length === 0) {
      ctx.out(
        opts.active ? 'No active message.\n' : 'No tracked message: run status-sync track.\n',
      );
      return;
    }
    const s = ctx.style;
    const header: Cell[] = [
      'MESSAGE',
      'STATE',
      'TRACKED',
      'EXPECTED SEND',
      'LAST POLL',
      'NEXT POLL',
    ].map((text) => ({ text, paint: s.bold }));
    const text = columns([header, ...messages.map((m) => row(m, s))]);
    for (const line of text.split(/(?<=\n)/)) if (line !== '') ctx.out(line);
    const active = messages.filter((m) => m.active).length;
    ctx.out(`${messages.length} message(s), ${active} active\n`);
  });
}

function row(m: TrackedMessage, s: Style): Cell[] {
  const reason = m.sendReason === 'now' ? '' : ` (${m.sendReason})`;
  return [
    printable(m.messageId),
    { text: m.state, paint: m.active ? s.info : m.state === 'completed' ? s.good : s.warn },
    m.trackedAt,
    `${m.expectedSendAt}${reason}`,
    m.lastPolledAt ?? 'never',
    m.active ? m.nextPollAt : '-',
  ];
}
