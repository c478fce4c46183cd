/** `status-sync forget`: erase one person from the table and keep them out (GDPR art. 17). */
import type { Command } from 'commander';
import { forgetDeps } from '../../runtime/forget-request.ts';
import { forgetRecipient } from '../../shared/privacy/forget.ts';
import type { CliContext, JsonFlag } from '../context.ts';
import { withJson } from '../options.ts';

export function registerForget(program: Command, ctx: CliContext): void {
  withJson(
    program
      .command('forget')
      .summary('Erase a recipient everywhere, for good')
      .description(
        'Erase an address from every item of the table (recipient state, outboxes, audit records, the recipient index), ' +
          'leave a tombstone (a hash, never the address) so later polls drop the recipient, and print what was erased. ' +
          'Idempotent. Reads the whole table once (docs/privacy.md). A hashing deployment needs its salt.',
      )
      .argument('<address>', 'the email address (matched trimmed and case-insensitively)'),
  ).action(async (address: string, opts: JsonFlag) => {
    const result = await forgetRecipient(forgetDeps(ctx.runtime()), address);
    if (opts.json) return ctx.json(result);
    ctx.out(
      `${result.alreadyForgotten ? 'already forgotten; swept again' : 'forgotten'}: ` +
        `${result.messages} message(s), ${result.recipientStates} recipient state(s), ` +
        `${result.outboxEvents} unpublished event(s), ${result.auditRecordsDeleted} audit record(s) deleted, ` +
        `${result.auditRecordsRewritten} rewritten; tombstone ${result.key.slice(0, 16)}…\n`,
    );
  });
}
