/** `status-sync replay` and `snapshot`: the commands that publish on demand. */
import type { Command } from 'commander';
import { statusSnapshot } from '../../shared/lifecycle/message-events.ts';
import { replayMessage } from '../../shared/sync/replay.ts';
import type { CliContext, JsonFlag } from '../context.ts';
import { notTracked, runFailure, usageFailure } from '../failures.ts';
import { normalizeMessageId, publishingRuntime, withBus, withJson } from '../options.ts';
import { printable } from '../printable.ts';

type PublishFlags = JsonFlag & { bus?: string };

export function registerReplay(program: Command, ctx: CliContext): void {
  withJson(
    withBus(
      program
        .command('replay')
        .summary('Republish recorded events, marked replayed')
        .description('Republish recorded events with their original eventIds, marked replayed.')
        .argument('<messageId>', 'a tracked messageId', normalizeMessageId)
        .option('--since <iso>', 'only events whose time is at or after this ISO 8601 instant'),
    ),
  ).action(async (messageId: string, opts: PublishFlags & { since?: string }) => {
    const since = opts.since === undefined ? null : Date.parse(opts.since);
    if (since !== null && Number.isNaN(since)) {
      throw usageFailure(`--since expects an ISO 8601 time, got "${opts.since}"`);
    }
    const rt = publishingRuntime(ctx, 'replay', opts.bus);
    // An unknown message is exit 2 here as everywhere, not "replayed 0 of 0".
    if (!(await rt.store.load(messageId))) throw notTracked(messageId);
    // The raw bus: records are republished exactly as first published, whatever this shell's salt.
    const result = await replayMessage(
      {
        audit: rt.audit,
        publisher: rt.bus,
        recordedForm: () => rt.publicationRecord.recordedForm(),
      },
      messageId,
      since === null ? null : new Date(since),
    );
    if (opts.json) ctx.json({ messageId, bus: rt.config.eventBusName, ...result });
    else {
      ctx.out(
        `replayed ${result.accepted} of ${result.selected} event(s) of ${printable(messageId)}` +
          (result.failed ? `; ${result.failed} refused by the bus (run replay again)` : '') +
          '\n',
      );
    }
    if (result.failed) throw runFailure(`${result.failed} event(s) were not replayed`);
  });
}

export function registerSnapshot(program: Command, ctx: CliContext): void {
  withJson(
    withBus(
      program
        .command('snapshot')
        .summary("Publish every recipient's state (snapshot)")
        .description('Publish MessageStatusSnapshot: every recipient state, for consumers to heal.')
        .argument('<messageId>', 'a tracked messageId', normalizeMessageId),
    ),
  ).action(async (messageId: string, opts: PublishFlags) => {
    const rt = publishingRuntime(ctx, 'snapshot', opts.bus);
    const loaded = await rt.store.load(messageId);
    if (!loaded) throw notTracked(messageId);
    const events = statusSnapshot(loaded.message, [...loaded.recipients.values()], new Date());
    // The checked publisher: a shell without the deployment's salt is refused, one with it hashes.
    const result = await rt.publisher.publish(events);
    const summary = {
      messageId,
      bus: rt.config.eventBusName,
      recipients: loaded.recipients.size,
      events: events.length,
      published: result.accepted.length,
      failed: result.failed.length,
    };
    if (opts.json) ctx.json(summary);
    else {
      ctx.out(
        `snapshot of ${printable(messageId)}: ${summary.recipients} recipient(s) in ${summary.events} event(s), ${summary.published} published\n`,
      );
    }
    if (summary.failed > 0) throw runFailure('the bus refused part of the snapshot');
  });
}
