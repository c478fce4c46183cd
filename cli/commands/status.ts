/** `status-sync status`: one message and the current state of each recipient. */
import type { Command } from 'commander';
import { columns } from '../columns.ts';
import type { CliContext, JsonFlag } from '../context.ts';
import { notTracked } from '../failures.ts';
import { describeSend, messageJson } from '../message-view.ts';
import { normalizeMessageId, withJson } from '../options.ts';
import { printable } from '../printable.ts';

export function registerStatus(program: Command, ctx: CliContext): void {
  withJson(
    program
      .command('status')
      .summary("A message and each recipient's current state")
      .description('Show a message and the current state of each of its recipients.')
      .argument('<messageId>', 'a tracked messageId', normalizeMessageId),
  ).action(async (messageId: string, opts: JsonFlag) => {
    const loaded = await ctx.runtime().store.load(messageId);
    if (!loaded) throw notTracked(messageId);
    const recipients = [...loaded.recipients.values()]
      .sort((a, b) => a.email.localeCompare(b.email) || a.token.localeCompare(b.token))
      .map((r) => ({
        email: r.email,
        status: r.status,
        stopMail: r.stopMail,
        statusAt: r.statusAt,
        sequence: r.sequence,
      }));
    const m = loaded.message;
    if (opts.json) return ctx.json({ ...messageJson(m), messageId, recipients });
    const s = ctx.style;
    const state = m.active
      ? `${s.info('active')}, next poll ${m.nextPollAt}`
      : `${s.warn(`ended: ${m.state}`)}${m.endedAt ? ` at ${m.endedAt}` : ''}`;
    ctx.out(
      `${s.bold(printable(messageId))}: ${state}, tracked ${m.trackedAt}, ${describeSend(m)}, ` +
        `last polled ${m.lastPolledAt ?? 'never'}, ${recipients.length} recipient(s)\n`,
    );
    // One write per line: a reader that stops early (`| head`) stops the output there.
    const lines = columns(
      recipients.map((r) => [
        `  ${printable(r.email)}`,
        `${printable(r.status)}${r.stopMail ? ' (unsubscribed)' : ''}`,
        { text: `at ${printable(r.statusAt)}`, paint: s.dim },
        `#${r.sequence}`,
      ]),
    ).split(/(?<=\n)/);
    for (const line of lines) ctx.out(line);
  });
}
