/** `status-sync track` and `untrack`: start and stop tracking a message. */
import type { Command } from 'commander';
import { trackMessage } from '../../shared/sync/track-message.ts';
import type { CliContext, JsonFlag } from '../context.ts';
import { notTracked } from '../failures.ts';
import { describeSend, messageJson } from '../message-view.ts';
import { normalizeMessageId, parseMeta, parseSendAt, withJson } from '../options.ts';
import { printable } from '../printable.ts';

export function registerTrack(program: Command, ctx: CliContext): void {
  withJson(
    program
      .command('track')
      .summary('Start tracking a message (twice is harmless)')
      .description('Start tracking a MailPartner message; tracking it twice is harmless.')
      .argument(
        '<messageId>',
        'the messageId MailPartner returned from /v1/send',
        normalizeMessageId,
      )
      .option('--meta <key=value>', 'metadata echoed in every event (repeatable)', parseMeta, {})
      .option(
        '--send-at <time>',
        'scheduled send time, ISO 8601 with offset (2027-03-30T10:00:00+02:00)',
        parseSendAt,
      ),
  ).action(
    async (messageId: string, opts: JsonFlag & { meta: Record<string, string>; sendAt?: Date }) => {
      const rt = ctx.runtime();
      const result = await trackMessage(rt, messageId, opts.meta, new Date(), {
        sendAt: opts.sendAt ?? null,
        commercialHold: rt.config.commercialHold,
      });
      const m = result.message;
      if (opts.json) {
        return ctx.json({
          messageId,
          created: result.created,
          restarted: result.restarted,
          announced: result.announced,
          message: messageJson(m),
        });
      }
      const id = printable(messageId);
      ctx.out(
        result.created
          ? `Tracking ${id}${result.restarted ? ' again' : ''}${describeMeta(opts.meta)}; ${describeSend(m)}.\n`
          : `${id} is already tracked (since ${m.trackedAt}, ${m.state}); nothing changed.\n`,
      );
      if (result.created && !result.announced) {
        ctx.err('MessageTrackingStarted could not be published now; the next poll sends it.\n');
      }
    },
  );

  withJson(
    program
      .command('untrack')
      .summary('Stop tracking a message (state, history stay)')
      .description('Stop tracking a message (its state and history stay).')
      .argument('<messageId>', 'a tracked messageId', normalizeMessageId),
  ).action(async (messageId: string, opts: JsonFlag) => {
    const store = ctx.runtime().store;
    const before = await store.load(messageId);
    if (!before) throw notTracked(messageId, '');
    const untracked = before.message.active
      ? (await store.untrack(messageId, new Date())) !== null
      : false;
    const state = untracked ? 'untracked' : before.message.state;
    if (opts.json) return ctx.json({ messageId, untracked, state });
    ctx.out(
      untracked
        ? `${printable(messageId)} is no longer tracked.\n`
        : `${printable(messageId)} had already ended (${state}); nothing changed.\n`,
    );
  });
}

function describeMeta(meta: Record<string, string>): string {
  return Object.keys(meta).length === 0 ? '' : ` with metadata ${printable(JSON.stringify(meta))}`;
}
