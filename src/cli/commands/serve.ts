/** `config-api serve`: what `npm start` runs. */
import { setFlagsFromString } from 'node:v8';
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
      // V8 lets the old generation grow to a multiple of what survives a full collection that depends on its own
      // speed measurements (up to 4×): under a sustained write load that left ~190–220 MB of resident garbage between
      // collections. 2× keeps it under ~150 MB (docs/performance.md step 13). Not settable in
      // NODE_OPTIONS, hence here; a `--heap-growing-percent` given to node itself wins.
      if (!process.execArgv.some((a) => a.startsWith('--heap-growing-percent') || a.startsWith('--heap_growing_percent'))) {
        setFlagsFromString('--heap-growing-percent=100');
      }
      ctx.exitCode = await serve(ctx.config(), ctx.deps);
    });
}
