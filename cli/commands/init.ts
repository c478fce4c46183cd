/** `status-sync init`: create the table (local use). */
import type { Command } from 'commander';
import type { CliContext, JsonFlag } from '../context.ts';
import { withJson } from '../options.ts';

export function registerInit(program: Command, ctx: CliContext): void {
  withJson(
    program
      .command('init')
      .summary('Create the table if it is missing (local use)')
      .description('Create the DynamoDB table if it does not exist (local use).'),
  ).action(async (opts: JsonFlag) => {
    const rt = ctx.runtime();
    const { created } = await rt.store.admin.createTable();
    if (opts.json) return ctx.json({ tableName: rt.config.tableName, created });
    ctx.out(`Table ${rt.config.tableName} is ready${created ? ' (created)' : ''}.\n`);
  });
}
