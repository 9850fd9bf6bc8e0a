/** Run `config-api` commands in-process (src/cli/program.ts) with captured stdout/stderr and an injected environment. */
import { runCli } from '../../src/cli/program.js';
import type { Harness } from './harness.js';

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

export async function cli(args: readonly string[], env: NodeJS.ProcessEnv): Promise<CliRun> {
  let stdout = '';
  let stderr = '';
  const code = await runCli(args, { env, stdout: (t) => void (stdout += t), stderr: (t) => void (stderr += t) });
  return { code, stdout, stderr };
}

/** `config-api <args> --json` on the harness database: the exit status and the one JSON object it printed. */
export async function cliJson(h: Harness, args: readonly string[], env: Record<string, string> = {}): Promise<{ code: number; json: any }> {
  return jsonOf(await cli([...args, '--json'], { DATABASE_URL: h.store.url, LOG_LEVEL: 'silent', ...env }), args);
}

/** The one JSON object of a --json run (fails unless stdout is exactly one line holding one). */
export function jsonOf(run: CliRun, args: readonly string[] = []): { code: number; json: any } {
  const lines = run.stdout.trim().split('\n');
  if (lines.length !== 1) throw new Error(`config-api ${args.join(' ')} printed ${lines.length} lines (exit ${run.code}): ${run.stdout} ${run.stderr}`);
  return { code: run.code, json: JSON.parse(lines[0]!) };
}
