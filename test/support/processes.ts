/**
 * Launching this project's processes, shared by the tests and the benchmark: the repository root, the argv that
 * runs the CLI, and how `npm start` launches the server.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));

export type Runtime = 'dist' | 'tsx';

/** argv prefix that runs the CLI: compiled JS (what production runs) or the TypeScript sources. */
export function cliCommand(runtime: Runtime): string[] {
  return runtime === 'dist' ? ['dist/src/cli/main.js'] : ['--import', 'tsx', 'src/cli/main.ts'];
}

/**
 * How `npm start` launches the server: the environment assignments and node flags of package.json's `scripts.start`
 * (e.g. `MALLOC_MMAP_THRESHOLD_=131072 node --max-semi-space-size=8 dist/src/cli/main.js serve`), so the benchmark
 * and the smoke test run the server as it runs in production.
 */
export function startScriptLaunch(): { env: Record<string, string>; nodeFlags: string[] } {
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts: { start: string } };
  const words = pkg.scripts.start.trim().split(/\s+/);
  const env: Record<string, string> = {};
  let i = 0;
  for (; i < words.length && /^[A-Za-z_][A-Za-z0-9_]*=/.test(words[i]!); i++) {
    const eq = words[i]!.indexOf('=');
    env[words[i]!.slice(0, eq)] = words[i]!.slice(eq + 1);
  }
  if (words[i] !== 'node') throw new Error(`package.json scripts.start does not run node: ${pkg.scripts.start}`);
  const nodeFlags: string[] = [];
  for (i++; i < words.length && words[i]!.startsWith('-'); i++) nodeFlags.push(words[i]!);
  return { env, nodeFlags };
}
