/**
 * `status-sync`: the command-line face of the engine, for local use and for a
 * deployed stack (point it at the table and bus by name). Command names and
 * flags are a contract: scripts depend on them.
 */
import { Command, CommanderError, Option } from 'commander';
import * as z from 'zod';
import { createRuntime, type Runtime } from '../functions/runtime.ts';
import { loadConfig } from '../shared/config.ts';
import { statusSnapshot } from '../shared/lifecycle/message-events.ts';
// One written form of an id (trimmed, NFC), so ' 12345' is the message 12345.
import { normalizeMessageId } from '../shared/store/track-request.ts';
import { errorMessage } from '../shared/sync/error-kind.ts';
import type { TrackedMessage } from '../shared/sync/ports.ts';
import { replayMessage } from '../shared/sync/replay.ts';
import { runCycle } from '../shared/sync/sync-cycle.ts';
import type { MessageOutcome } from '../shared/sync/sync-message.ts';
import { trackMessage } from '../shared/sync/track-message.ts';
import { formatEventLine, formatSummaryLine } from './format.ts';
import { printable } from './printable.ts';

export interface CliIo {
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
}

/** A failure the user can fix; printed without a stack, exit code 2. */
class UsageFailure extends Error {}

function parseMeta(value: string, previous: Record<string, string>): Record<string, string> {
  const eq = value.indexOf('=');
  if (eq <= 0) throw new UsageFailure(`--meta expects key=value, got "${value}"`);
  return { ...previous, [value.slice(0, eq)]: value.slice(eq + 1) };
}

function buildProgram(io: CliIo, runtime: () => Runtime): Command {
  const program = new Command('status-sync')
    .description('Turns MailPartner delivery statuses into EventBridge events.')
    .showHelpAfterError()
    .exitOverride()
    .configureOutput({ writeOut: io.stdout, writeErr: io.stderr });

  program
    .command('init')
    .description('Create the DynamoDB table if it does not exist (local use).')
    .action(async () => {
      const rt = runtime();
      await rt.store.createTable();
      io.stdout(`Table ${rt.config.tableName} is ready.\n`);
    });

  program
    .command('track')
    .description('Start tracking a MailPartner message; tracking it twice is harmless.')
    .argument('<messageId>', 'the messageId MailPartner returned from /v1/send', normalizeMessageId)
    .option('--meta <key=value>', 'metadata echoed in every event (repeatable)', parseMeta, {})
    .option(
      '--send-at <time>',
      'scheduled send time, ISO 8601 with offset (2027-03-30T10:00:00+02:00)',
      parseSendAt,
    )
    .action(async (messageId: string, opts: { meta: Record<string, string>; sendAt?: Date }) => {
      const rt = runtime();
      const result = await trackMessage(rt, messageId, opts.meta, new Date(), {
        sendAt: opts.sendAt ?? null,
        commercialHold: rt.config.commercialHold,
      });
      const m = result.message;
      io.stdout(
        result.created
          ? `Tracking ${messageId}${result.restarted ? ' again' : ''}${describeMeta(opts.meta)}; ${describeSend(m)}.\n`
          : `${messageId} is already tracked (since ${m.trackedAt}, ${m.state}); nothing changed.\n`,
      );
      if (result.created && !result.announced) {
        io.stderr('MessageTrackingStarted could not be published now; the next poll sends it.\n');
      }
    });

  program
    .command('untrack')
    .description('Stop tracking a message (its state and history stay).')
    .argument('<messageId>', 'a tracked messageId', normalizeMessageId)
    .action(async (messageId: string) => {
      const store = runtime().store;
      const before = await store.load(messageId);
      if (!before) throw new UsageFailure(`${messageId} is not tracked`);
      if (!before.message.active) {
        io.stdout(`${messageId} had already ended (${before.message.state}); nothing changed.\n`);
        return;
      }
      await store.untrack(messageId, new Date());
      io.stdout(`${messageId} is no longer tracked.\n`);
    });

  program
    .command('history')
    .description('The audit trail of a message: every recorded change, oldest first per recipient.')
    .argument('<messageId>', 'a tracked messageId', normalizeMessageId)
    .option('--email <address>', 'only this recipient')
    .option('--json', 'print JSON', false)
    .action(async (messageId: string, opts: { email?: string; json: boolean }) => {
      const store = runtime().store;
      const records = await store.history(
        messageId,
        opts.email === undefined ? {} : { email: opts.email },
      );
      if (records.length === 0 && !(await store.load(messageId))) {
        throw new UsageFailure(`${messageId} is not tracked: no history`);
      }
      if (opts.json) {
        const rows = records.map((r) => ({
          eventId: r.eventId,
          detailType: r.detailType,
          observedAt: r.observedAt,
          expiresAt: new Date(r.expiresAt * 1000).toISOString(),
          detail: r.event.detail,
        }));
        io.stdout(`${JSON.stringify({ messageId, records: rows }, null, 2)}\n`);
        return;
      }
      for (const r of records) io.stdout(`${formatEventLine(r.event)}\n`);
      io.stdout(`${records.length} record(s)\n`);
    });

  program
    .command('replay')
    .description('Republish recorded events with their original eventIds, marked replayed.')
    .argument('<messageId>', 'a tracked messageId', normalizeMessageId)
    .option('--since <iso>', 'only events whose time is at or after this ISO 8601 instant')
    .action(async (messageId: string, opts: { since?: string }) => {
      const since = opts.since === undefined ? null : Date.parse(opts.since);
      if (since !== null && Number.isNaN(since)) {
        throw new UsageFailure(`--since expects an ISO 8601 time, got "${opts.since}"`);
      }
      const rt = runtime();
      const result = await replayMessage(rt, messageId, since === null ? null : new Date(since));
      io.stdout(
        `replayed ${result.accepted} of ${result.selected} event(s) of ${messageId}` +
          (result.failed ? `; ${result.failed} refused by the bus (run replay again)` : '') +
          '\n',
      );
      if (result.failed) throw new UsageFailure('some events were not replayed');
    });

  program
    .command('snapshot')
    .description('Publish MessageStatusSnapshot: every recipient state, for consumers to heal.')
    .argument('<messageId>', 'a tracked messageId', normalizeMessageId)
    .action(async (messageId: string) => {
      const rt = runtime();
      const loaded = await rt.store.load(messageId);
      if (!loaded) throw new UsageFailure(`${messageId} is not tracked: run status-sync track`);
      const events = statusSnapshot(loaded.message, [...loaded.recipients.values()], new Date());
      const result = await rt.publisher.publish(events);
      io.stdout(
        `snapshot of ${messageId}: ${loaded.recipients.size} recipient(s) in ${events.length} event(s), ${result.accepted.length} published\n`,
      );
      if (result.failed.length > 0) throw new UsageFailure('the bus refused part of the snapshot');
    });

  program
    .command('poll')
    .description('Run one sync cycle over the due messages.')
    .option('--force', 'treat every active tracked message as due', false)
    .option('--json', 'print the cycle summary as JSON', false)
    .action(async (opts: { force: boolean; json: boolean }) => {
      const rt = runtime();
      const summary = await runCycle(rt.syncDeps(), {
        force: opts.force,
        concurrency: rt.config.concurrency,
        onOutcome: (o) => {
          if (!opts.json) io.stdout(describeOutcome(o));
        },
      });
      if (opts.json) {
        const { outcomes: _outcomes, ...rest } = summary;
        io.stdout(`${JSON.stringify(rest, null, 2)}\n`);
      } else io.stdout(`${formatSummaryLine(summary)}\n`);
      if (summary.stoppedBy === 'configuration') {
        const first = summary.outcomes.find(
          (o) => o.kind === 'error' && o.errorKind === 'configuration',
        );
        throw new UsageFailure(
          first?.kind === 'error' ? first.message : 'configuration error: cycle stopped',
        );
      }
    });

  program
    .command('status')
    .description('Show the current state of each recipient of a message.')
    .argument('<messageId>', 'a tracked messageId', normalizeMessageId)
    .option('--json', 'print JSON', false)
    .action(async (messageId: string, opts: { json: boolean }) => {
      const loaded = await runtime().store.load(messageId);
      if (!loaded) throw new UsageFailure(`${messageId} is not tracked: run status-sync track`);
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
      if (opts.json) {
        const message = {
          messageId,
          state: m.state,
          active: m.active,
          trackedAt: m.trackedAt,
          sendAt: m.sendAt,
          expectedSendAt: m.expectedSendAt,
          sendReason: m.sendReason,
          nextPollAt: m.nextPollAt,
          lastPolledAt: m.lastPolledAt,
          endedAt: m.endedAt,
          metadata: m.metadata,
        };
        io.stdout(`${JSON.stringify({ ...message, recipients }, null, 2)}\n`);
        return;
      }
      const state = m.active
        ? `active, next poll ${m.nextPollAt}`
        : `ended: ${m.state}${m.endedAt ? ` at ${m.endedAt}` : ''}`;
      io.stdout(
        `${printable(messageId)}: ${state}, tracked ${m.trackedAt}, ${describeSend(m)}, ` +
          `last polled ${m.lastPolledAt ?? 'never'}, ${recipients.length} recipient(s)\n`,
      );
      for (const r of recipients) {
        io.stdout(
          `  ${printable(r.email)}  ${printable(r.status)}${r.stopMail ? ' (unsubscribed)' : ''}  at ${printable(r.statusAt)}  #${r.sequence}\n`,
        );
      }
    });

  program.addOption(new Option('--verbose', 'print stack traces on errors').hideHelp());
  return program;
}

/** `--send-at`: ISO 8601 with an explicit offset, so the time cannot be read in the wrong zone. */
function parseSendAt(value: string): Date {
  if (!z.iso.datetime({ offset: true }).safeParse(value).success) {
    throw new UsageFailure(
      `--send-at expects an ISO 8601 time with an offset, such as 2027-03-30T10:00:00+02:00 or 2027-03-30T08:00:00Z; got "${value}"`,
    );
  }
  return new Date(value);
}

/** "expected to leave …" with its reason, for track and status. */
function describeSend(m: TrackedMessage): string {
  if (m.sendReason === 'held') {
    return `held by the commercial hold until ${m.expectedSendAt}${m.sendAt ? ` (scheduled ${m.sendAt})` : ''}`;
  }
  if (m.sendReason === 'scheduled') return `scheduled to leave at ${m.expectedSendAt}`;
  return `sent now (${m.expectedSendAt})`;
}

function describeMeta(meta: Record<string, string>): string {
  const keys = Object.keys(meta);
  return keys.length === 0 ? '' : ` with metadata ${JSON.stringify(meta)}`;
}

function describeOutcome(o: MessageOutcome): string {
  if (o.kind === 'changed') return o.events.map((e) => `${formatEventLine(e)}\n`).join('');
  if (o.kind === 'error') {
    return `! ${printable(o.messageId)}: ${o.errorKind}: ${printable(o.message)}\n`;
  }
  return '';
}

/**
 * Runs the CLI; resolves to the exit code. Anything printed passes through a
 * final scrub of the API key, in case some library put it in a message.
 */
export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  const key = io.env.MAILPARTNER_API_KEY?.trim();
  const scrub = (t: string) => (key ? t.split(key).join('***') : t);
  const safe: CliIo = {
    env: io.env,
    stdout: (t) => io.stdout(scrub(t)),
    stderr: (t) => io.stderr(scrub(t)),
  };
  const holder: { rt: Runtime | null } = { rt: null };
  const runtime = () => {
    holder.rt ??= createRuntime(loadConfig(io.env));
    return holder.rt;
  };
  try {
    await buildProgram(safe, runtime).parseAsync([...argv], { from: 'user' });
    return 0;
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode === 0 ? 0 : 2;
    const text = error instanceof UsageFailure ? error.message : errorMessage(error);
    safe.stderr(`status-sync: ${printable(text)}\n`);
    return 2;
  } finally {
    holder.rt?.close();
  }
}
