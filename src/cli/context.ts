/** What every CLI command gets: its environment, its output streams and the app's core for the command's duration. */
import type { Command } from 'commander';
import { loadConfig, type Config } from '../config.js';
import { createCore, type Core } from '../core.js';
import { migrate } from '../store/migrate.js';
import { openReachableStore, storeOptionsOf } from '../store/open.js';

/** Exit statuses: 0 done, 1 the command refused its input or failed, 2 usage or configuration error. */
export const EXIT = { ok: 0, failed: 1, usage: 2 } as const;

/**
 * A failure reported as one line (no stack trace); `exitCode` 2 marks usage and configuration errors, `type` is the
 * error type of the --json answer.
 */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: number = EXIT.failed,
    readonly type: 'validation' | 'configuration' = 'validation',
  ) {
    super(message);
  }
}

export interface CliDeps {
  /** The environment variables the configuration is read from (process.env in production). */
  env: NodeJS.ProcessEnv;
  stdout(text: string): void;
  stderr(text: string): void;
}

/** What a command prints: `json` with --json (exactly one object), `text` otherwise. */
export interface CommandOutput {
  json: unknown;
  text: string;
}

export interface CliContext {
  readonly deps: CliDeps;
  /** The exit status of a command that finished without an error (serve: 1 when it could not listen). */
  exitCode: number;
  /** The validated configuration (loadConfig); a configuration error exits with status 2. */
  config(): Config;
  /**
   * Open the store and build the core (the same cascades and transaction runner as the server) for the duration of
   * `fn`, then close the store. Migrates first (every command works on an up-to-date schema) unless `migrate: false`
   * (the `migrate` command reports what it applied itself).
   */
  withCore<T>(fn: (core: Core) => Promise<T>, o?: { migrate?: boolean }): Promise<T>;
}

export function makeContext(deps: CliDeps): CliContext {
  let config: Config | undefined;
  const ctx: CliContext = {
    deps,
    exitCode: EXIT.ok,
    config() {
      try {
        config ??= loadConfig(deps.env);
      } catch (err) {
        throw new CliError((err as Error).message, EXIT.usage, 'configuration');
      }
      return config;
    },
    async withCore(fn, o = {}) {
      const config = ctx.config();
      const store = await openReachableStore(config.database.url, storeOptionsOf(config.database, 2));
      try {
        if (o.migrate !== false) await migrate(store);
        return await fn(createCore(store, config));
      } finally {
        await store.close();
      }
    },
  };
  return ctx;
}

/** `--json` on a command, and an action whose result is printed as one JSON object (--json) or as text. */
export function printing<A extends unknown[]>(
  cmd: Command,
  ctx: CliContext,
  run: (...args: A) => Promise<CommandOutput>,
): Command {
  return cmd.option('--json', 'print exactly one JSON object on stdout').action(async (...args: unknown[]) => {
    const out = await run(...(args as A));
    const json = (cmd.opts() as { json?: boolean }).json === true;
    ctx.deps.stdout(`${json ? JSON.stringify(out.json) : out.text}\n`);
  });
}
