/**
 * The `config-api` command line as a commander program, built without side effects: `runCli(argv, deps)` parses,
 * runs one command and returns its exit status, printing only through `deps` (tests run commands in-process).
 */
import { Command, CommanderError } from 'commander';
import { ApiError } from '../kernel/errors.js';
import { packageInfo } from '../package-info.js';
import { StoreUnavailableError } from '../store/open.js';
import { CliError, EXIT, makeContext, type CliContext, type CliDeps } from './context.js';
import { environmentHelp } from './environment.js';
import { versionsHelp } from './versions.js';
import { appCommand } from './commands/app.js';
import { bootstrapCommand } from './commands/bootstrap.js';
import { channelsCommand } from './commands/channels.js';
import { patCommand, tokenCommand } from './commands/credentials.js';
import { deliveriesCommand } from './commands/deliveries.js';
import { migrateCommand } from './commands/migrate.js';
import { serveCommand } from './commands/serve.js';
import { unsuspensionRequestsCommand } from './commands/unsuspension-requests.js';
import { demoTokenCommand } from './commands/demo-token.js';
import { keysCommand } from './commands/keys.js';
import { licenseCommand } from './commands/license.js';

const COMMANDS: readonly ((program: Command, ctx: CliContext) => void)[] = [
  serveCommand,
  migrateCommand,
  bootstrapCommand,
  appCommand,
  tokenCommand,
  patCommand,
  unsuspensionRequestsCommand,
  demoTokenCommand,
  channelsCommand,
  deliveriesCommand,
  keysCommand,
  licenseCommand,
];


/** Apply the same output routing and error handling to a command and every subcommand under it. */
function configure(cmd: Command, deps: CliDeps): void {
  cmd
    .exitOverride()
    .configureOutput({ writeOut: deps.stdout, writeErr: deps.stderr, outputError: () => {} })
    .showSuggestionAfterError(true);
  for (const opt of cmd.options) if (opt.mandatory) opt.description += ' (required)';
  for (const sub of cmd.commands) configure(sub, deps);
}

export function buildProgram(deps: CliDeps, ctx: CliContext = makeContext(deps)): Command {
  const program = new Command('config-api')
    .description(
      'Configuration API server (v3.4, v3.5 and v3.6 side by side) and operator commands. Every command uses the environment below and works on the ' +
        'same database as a running server; with --json a command prints exactly one JSON object on stdout.',
    )
    .version(packageInfo().version, '-V, --version', 'print the version')
    .helpCommand(false)
    .addHelpText('after', `\n${versionsHelp(deps.env)}\n\n${environmentHelp()}\n\nExit status: 0 done, 1 the command failed (bad value, not found, …), 2 usage or configuration error.`);
  for (const add of COMMANDS) add(program, ctx);
  program
    .command('help')
    .description('Show the help of a command, e.g. `help deliveries retry`')
    .argument('[command...]', 'the command')
    .action((path: string[]) => {
      let target = program;
      for (const name of path) {
        const sub = target.commands.find((c) => c.name() === name || c.aliases().includes(name));
        if (!sub) throw new CliError(`Unknown command: ${path.join(' ')} (see config-api --help)`, EXIT.usage);
        target = sub;
      }
      target.outputHelp();
    });
  for (const cmd of program.commands) cmd.helpCommand(false);
  configure(program, deps);
  return program;
}

const oneLine = (message: string) => message.replace(/^error: /, '').replace(/\s*\n\s*/g, ' ').trim();

/** The words of `argv` that name a (sub)command, e.g. `token create`. */
function commandPath(program: Command, argv: readonly string[]): string[] {
  const path: string[] = [];
  let cmd = program;
  for (const word of argv) {
    const sub = cmd.commands.find((c) => c.name() === word);
    if (!sub) break;
    path.push(word);
    cmd = sub;
  }
  return path;
}

/** Parse `argv` (without node and script), run the command, print its output or its error; resolves with the exit status. */
export async function runCli(argv: readonly string[], deps: CliDeps): Promise<number> {
  const json = argv.includes('--json');
  // With --json the error is the one JSON object on stdout; usage and configuration errors also go to stderr.
  const fail = (type: string, message: string, code: number) => {
    if (json) deps.stdout(`${JSON.stringify({ error: { type, message } })}\n`);
    if (!json || code === EXIT.usage) deps.stderr(`${message}\n`);
    return code;
  };
  const ctx = makeContext(deps);
  const program = buildProgram(deps, ctx);
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return ctx.exitCode;
  } catch (err) {
    if (err instanceof CommanderError) {
      if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version') return EXIT.ok;
      // No command at all: commander printed the help on stderr.
      if (err.code === 'commander.help') return EXIT.usage;
      // A value the command cannot use (a bad --ttl, an unknown --status, …) is a refused input, like the API's
      // validation errors; anything else (unknown command or option, missing option or argument) is a usage error.
      if (err.code === 'commander.invalidArgument') return fail('validation', oneLine(err.message), EXIT.failed);
      const hint = ['config-api', ...commandPath(program, argv), '--help'].join(' ');
      return fail('validation', `${oneLine(err.message)} (see ${hint})`, EXIT.usage);
    }
    if (err instanceof CliError) return fail(err.type, err.message, err.exitCode);
    // An unreachable or misnamed database is a configuration error (DATABASE_URL), also for `serve`.
    if (err instanceof StoreUnavailableError) return fail('configuration', err.message, EXIT.usage);
    if (err instanceof ApiError) return fail(err.type, err.message, EXIT.failed);
    return fail('internal', `Unexpected error: ${(err as Error)?.message ?? String(err)}`, EXIT.failed);
  }
}
