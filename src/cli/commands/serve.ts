/** `config-api serve`: what `npm start` runs. */
import type { Command } from 'commander';
import type { CliContext } from '../context.js';
import { serve } from '../serve.js';

export function serveCommand(program: Command, ctx: CliContext): void {
  program
    .command('serve')
    .description(
      'Run the HTTP server (what npm start runs): migrate, listen, create a demo licence on an empty database, ' +
        'drain on SIGTERM within SHUTDOWN_TIMEOUT_MS',
    )
    .action(async () => {
      ctx.exitCode = await serve(ctx.config(), ctx.deps);
    });
}
