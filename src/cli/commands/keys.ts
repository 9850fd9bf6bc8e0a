/** `config-api keys status|rotate|adopt`: the bot-token signing keys (the work is in src/cli/keys.ts). */
import type { Command } from 'commander';
import { keysCommands } from '../keys.js';
import { printing, type CliContext } from '../context.js';

export function keysCommand(program: Command, ctx: CliContext): void {
  const keys = program.command('keys').description('Bot-token signing keys (TOKEN_SIGNING_KEY or TOKEN_SIGNING_KEY_FILE)');
  const withStore: Parameters<(typeof keysCommands)['status']>[1] = (fn) => ctx.withCore((core) => fn(core.store));

  const status = keys
    .command('status')
    .description("This configuration's key ids and the one the database records → {source, current, kids, database}");
  printing(status, ctx, () => keysCommands.status(ctx.config(), withStore));

  const rotate = keys
    .command('rotate')
    .description('A new signing key (new tokens use it; tokens of the previous key stay valid until they expire)');
  printing(rotate, ctx, () => keysCommands.rotate(ctx.config(), withStore));

  const adopt = keys
    .command('adopt')
    .description("Record this configuration's key in the database (after a key was lost for good)");
  printing(adopt, ctx, () => keysCommands.adopt(ctx.config(), withStore));
}
