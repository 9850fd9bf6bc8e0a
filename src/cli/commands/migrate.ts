/** `config-api migrate`: apply the migrations the database lacks and say which. */
import type { Command } from 'commander';
import { migrate } from '../../store/migrate.js';
import { printing, type CliContext } from '../context.js';

export function migrateCommand(program: Command, ctx: CliContext): void {
  printing(program.command('migrate').description('Apply database migrations → {applied:[names]}'), ctx, async () => {
    const applied = await ctx.withCore((core) => migrate(core.store), { migrate: false });
    return { json: { applied }, text: applied.length ? `Applied: ${applied.join(', ')}` : 'Database is up to date' };
  });
}
