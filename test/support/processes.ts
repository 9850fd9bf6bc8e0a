/**
 * Launching this project's processes, shared by the tests and the benchmark: the repository root, the argv that
 * runs the CLI, and how `npm start` launches the server.
 */
import { existsSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const HERE = dirname(fileURLToPath(import.meta.url));

/** The repository root: the nearest directory above this module holding package.json (from test/ or .test-build/test/). */
export const ROOT = ((): string => {
  for (let dir = HERE; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json'))) return dir;
    if (dirname(dir) === dir) throw new Error(`no package.json above ${HERE}`);
  }
})();

/**
 * Where the code under test is, relative to ROOT: '' when the tests run from the TypeScript sources (tsx), or the
 * directory `npm test` transpiled src/ and test/ into (scripts/test.ts).
 */
export const BUILD_PREFIX = relative(ROOT, join(HERE, '../..'));

/**
 * 'dist': compiled JS (what production runs); 'tsx': the TypeScript sources; 'tested': the same code this test
 * process runs — the sources through tsx, or the transpiled files next to them when `npm test` built them (a spawned
 * process then starts in a fraction of tsx's time).
 */
export type Runtime = 'dist' | 'tsx' | 'tested';

/** argv prefix that runs the CLI, relative to ROOT (run it with `cwd: ROOT`). */
export function cliCommand(runtime: Runtime): string[] {
  if (runtime === 'tested') return BUILD_PREFIX ? [join(BUILD_PREFIX, 'src/cli/main.js')] : cliCommand('tsx');
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

/** Is a process with this id running (on this host)? */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** A TCP port of 127.0.0.1 free right now (the OS picks it). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}
