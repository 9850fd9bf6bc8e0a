/**
 * Helpers shared by the package and container smoke scripts: free port, readiness polling, the demo token the server
 * prints on an empty database, one API call, a bounded SIGTERM stop, and reuse of the checkout's compiled
 * better-sqlite3 addon as a "local prebuild" (so smoke installs do not compile SQLite again, ~1 min each).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT, freePort } from '../../test/support/processes.js';

export { ROOT, freePort };

export function log(msg: string): void {
  process.stdout.write(`${msg}\n`);
}

/** Runs a command to completion, inheriting stdio unless `quiet`; throws on a non-zero exit or after `timeoutMs`. */
export function run(
  cmd: string,
  args: string[],
  opts: { cwd: string; env?: NodeJS.ProcessEnv; timeoutMs: number; quiet?: boolean },
): string {
  const r = spawnSync(cmd, args, {
    cwd: opts.cwd,
    env: opts.env ?? process.env,
    encoding: 'utf8',
    timeout: opts.timeoutMs,
    killSignal: 'SIGKILL',
    stdio: ['ignore', 'pipe', 'pipe'],
    maxBuffer: 64 * 1024 * 1024,
  });
  if (!opts.quiet || r.status !== 0) {
    if (r.stdout) process.stdout.write(r.stdout);
    if (r.stderr) process.stderr.write(r.stderr);
  }
  if (r.error) throw new Error(`${cmd} ${args.join(' ')}: ${r.error.message}`);
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} exited with ${r.status ?? r.signal}`);
  return r.stdout;
}

export interface Server {
  child: ChildProcess;
  output(): string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** Starts a server process in its own process group (so a stop reaches npx/npm wrappers and their children). */
export function startServer(cmd: string, args: string[], opts: { cwd: string; env: NodeJS.ProcessEnv }): Server {
  const child = spawn(cmd, args, { cwd: opts.cwd, env: opts.env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  return { child, output: () => out, exited };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls `url` until it answers 200; fails after `timeoutMs` or as soon as the server exits. */
export async function waitHealthy(url: string, server: Server, timeoutMs: number): Promise<number> {
  const start = Date.now();
  let gone = false;
  void server.exited.then(() => (gone = true));
  while (Date.now() - start < timeoutMs) {
    if (gone) throw new Error(`server exited before answering ${url}:\n${server.output()}`);
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(2000) });
      if (res.status === 200) return Date.now() - start;
    } catch {
      /* not listening yet */
    }
    await sleep(100);
  }
  throw new Error(`no 200 from ${url} within ${timeoutMs} ms:\n${server.output()}`);
}

/** The bearer token `serve` prints when it creates the demo licence on an empty database. */
export function demoToken(output: string): string {
  const m = /bearer token:\s+(\S+)/.exec(output);
  if (!m) throw new Error(`no demo bearer token in the server output:\n${output}`);
  return m[1]!;
}

/** list_agents with the demo token: must answer 200 with the demo owner in the list. */
export async function checkListAgents(base: string, token: string): Promise<void> {
  const res = await fetch(`${base}/v3.5/configuration/action/list_agents`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: '{}',
    signal: AbortSignal.timeout(10_000),
  });
  const text = await res.text();
  if (res.status !== 200) throw new Error(`list_agents answered ${res.status}: ${text}`);
  const body = JSON.parse(text) as unknown;
  if (!Array.isArray(body) || body.length < 1) throw new Error(`list_agents: expected the demo owner, got ${text}`);
  log(`   list_agents → 200, ${body.length} agent(s)`);
}

/**
 * Stops the server as a supervisor would: SIGTERM to the server process itself (the leaf of its process group, below
 * any npx/npm wrapper, which then exits with the server's code). Resolves with the group leader's exit; SIGKILLs the
 * group after `timeoutMs`, and fails if anything of the group is left running.
 */
export async function stopServer(server: Server, timeoutMs: number): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  const pgid = server.child.pid!;
  const leaves = groupLeaves(pgid);
  for (const pid of leaves.length ? leaves : [pgid]) {
    try {
      process.kill(pid, 'SIGTERM');
    } catch {
      /* already gone */
    }
  }
  const timer = sleep(timeoutMs).then(() => 'timeout' as const);
  const result = await Promise.race([server.exited, timer]);
  if (result === 'timeout') {
    killGroup(server);
    throw new Error(`server did not stop within ${timeoutMs} ms of SIGTERM`);
  }
  for (let i = 0; i < 50 && groupAlive(pgid); i++) await sleep(100);
  if (groupAlive(pgid)) {
    killGroup(server);
    throw new Error('processes of the server group were still running after it exited');
  }
  return result;
}

/** Processes of group `pgid` that have no child in the group (Linux /proc; empty elsewhere). */
function groupLeaves(pgid: number): number[] {
  const members = new Map<number, number>(); // pid → ppid
  let entries: string[] = [];
  try {
    entries = readdirSync('/proc').filter((e) => /^\d+$/.test(e));
  } catch {
    return [];
  }
  for (const e of entries) {
    try {
      // /proc/<pid>/stat: pid (comm) state ppid pgrp …; comm may contain spaces, so split after the last ')'.
      const stat = readFileSync(`/proc/${e}/stat`, 'utf8');
      const [, ppid, pgrp] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(pgrp) === pgid) members.set(Number(e), Number(ppid));
    } catch {
      /* exited meanwhile */
    }
  }
  const parents = new Set(members.values());
  return [...members.keys()].filter((pid) => !parents.has(pid));
}

function groupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch {
    return false;
  }
}

export function killGroup(server: Server | undefined): void {
  if (!server?.child.pid) return;
  try {
    process.kill(-server.child.pid, 'SIGKILL');
  } catch {
    /* already gone */
  }
}

/**
 * Packs the checkout's compiled better-sqlite3 addon the way prebuild-install names its downloads, and points
 * prebuild-install at it with a `.prebuild-installrc` in `tmp` (rc files are looked up from the package's directory
 * upwards, so every install under `tmp` finds it and nothing outside does). SMOKE_BUILD_NATIVE=1 (or no compiled
 * addon in the checkout, or a non-glibc system) leaves installs to prebuild-install / node-gyp as usual.
 */
export function useLocalPrebuild(tmp: string): void {
  const pkgDir = join(ROOT, 'node_modules', 'better-sqlite3');
  const addon = join(pkgDir, 'build', 'Release', 'better_sqlite3.node');
  if (process.env.SMOKE_BUILD_NATIVE === '1' || !existsSync(addon)) return;
  const report = process.report?.getReport() as { header?: { glibcVersionRuntime?: string } } | undefined;
  if (process.platform === 'linux' && !report?.header?.glibcVersionRuntime) return;
  const version = (JSON.parse(readFileSync(join(pkgDir, 'package.json'), 'utf8')) as { version: string }).version;
  const dir = join(tmp, 'prebuilds');
  mkdirSync(dir, { recursive: true });
  const name = `better-sqlite3-v${version}-node-v${process.versions.modules}-${process.platform}-${process.arch}.tar.gz`;
  run('tar', ['-czf', join(dir, name), '-C', pkgDir, 'build/Release/better_sqlite3.node'], { cwd: ROOT, timeoutMs: 60_000 });
  writeFileSync(join(tmp, '.prebuild-installrc'), `${JSON.stringify({ 'local-prebuilds': dir })}\n`);
  log(`   installs reuse the checkout's compiled better-sqlite3 ${version} (SMOKE_BUILD_NATIVE=1 compiles it instead)`);
}

/** Removes a smoke test's temp directory (rm -rf: several times faster than rmSync on node_modules trees). */
export function removeTree(dir: string): void {
  if (spawnSync('rm', ['-rf', dir]).status !== 0 || existsSync(dir)) rmSync(dir, { recursive: true, force: true });
}

/**
 * Fails if a dev dependency was installed into `nodeModules`. A dev dependency that a production dependency also
 * needs (e.g. `yaml`, used by the tests and by @fastify/swagger) belongs there and is not counted.
 */
export function assertNoDevDependencies(nodeModules: string): void {
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { devDependencies?: Record<string, string> };
  const production = new Set(
    run('npm', ['ls', '--omit=dev', '--all', '--parseable'], { cwd: ROOT, timeoutMs: 60_000, quiet: true })
      .split('\n')
      .map((line) => line.split('/node_modules/').pop() ?? '')
      .filter(Boolean),
  );
  const found = Object.keys(pkg.devDependencies ?? {}).filter((d) => !production.has(d) && existsSync(join(nodeModules, d)));
  if (found.length) throw new Error(`dev dependencies installed: ${found.join(', ')}`);
  if (!existsSync(join(nodeModules, 'fastify'))) throw new Error(`no production dependencies in ${nodeModules}`);
}

/** Seconds since `since`, for the logs. */
export const elapsed = (since: number): string => `${((Date.now() - since) / 1000).toFixed(1)} s`;

/** Run one named step of a smoke test, logging its start and duration. */
export async function step<T>(name: string, fn: () => T | Promise<T>): Promise<T> {
  const t = Date.now();
  log(`== ${name}`);
  const out = await fn();
  log(`   ${name}: ${elapsed(t)}`);
  return out;
}

/** Whole-run time limit of a smoke test: past `ms`, clean up and exit 1. Returns the timer (clear it when done). */
export function watchdog(name: string, ms: number, cleanup: () => void): NodeJS.Timeout {
  return setTimeout(() => {
    process.stderr.write(`${name}: gave up after ${ms / 1000} s\n`);
    cleanup();
    process.exit(1);
  }, ms);
}
