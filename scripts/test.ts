/**
 * `npm test`: transpile src/, test/ and scripts/ once with esbuild into .test-build/run-<pid>/ (the per-file transform
 * tsx applies, done once in about 0.2 s instead of ~1 s of loader start-up in every test process), then run Node's
 * test runner on the compiled test files, several files per process. Type checking is `npm run typecheck`.
 *
 *   npm test                                         every test file
 *   npm test -- test/agents test/api/batch.test.ts   the files under these paths
 *   npm test -- --test-name-pattern=batch            flags go to `node --test`
 *
 * TEST_PROCESSES: how many processes the files are dealt into (default: 6 per CPU); TEST_CONCURRENCY: how many of
 * them run at once (default: one more than the CPUs, so that one waiting on timers or a child leaves no CPU idle).
 *
 * After the report it prints what was skipped, by reason (e.g. the browser suites where no Chromium is installed,
 * with how to install it), recorded by scripts/skipped-reporter.ts beside the usual reporter.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { build } from 'esbuild';
import type { Skipped } from './skipped-reporter.js';
import { ROOT, processAlive } from '../test/support/processes.js';

function tsFiles(dir: string, out: string[] = []): string[] {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) tsFiles(path, out);
    else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts')) out.push(path);
  }
  return out;
}

// Arguments: flags (and the value after a flag written `--flag value`) go to the runner; the rest are paths,
// relative to where npm was started.
const cwd = process.env.INIT_CWD ?? process.cwd();
const runnerFlags: string[] = [];
const selected: string[] = [];
for (const arg of process.argv.slice(2)) {
  const previous = runnerFlags.at(-1);
  if (arg.startsWith('-')) runnerFlags.push(arg);
  else if (previous?.startsWith('--') && !previous.includes('=') && !existsSync(resolve(cwd, arg))) runnerFlags.push(arg);
  else selected.push(relative(ROOT, resolve(cwd, arg)));
}
for (const path of selected) {
  if (!existsSync(join(ROOT, path))) {
    console.error(`npm test: no such file or directory: ${path}`);
    process.exit(2);
  }
}

// Each run builds into its own directory (a second `npm test` never deletes the modules of one under way), removed
// when it ends; directories of runs whose process is gone are removed too.
process.chdir(ROOT);
const BUILD_ROOT = '.test-build';
const BUILD_DIR = join(BUILD_ROOT, `run-${process.pid}`);
for (const name of existsSync(BUILD_ROOT) ? readdirSync(BUILD_ROOT) : []) {
  const pid = /^run-(\d+)$/.exec(name)?.[1];
  if (!pid || !processAlive(Number(pid))) rmSync(join(BUILD_ROOT, name), { recursive: true, force: true });
}
const removeBuild = () => rmSync(BUILD_DIR, { recursive: true, force: true });
process.on('exit', removeBuild);

const sources = [...tsFiles('src'), ...tsFiles('test'), ...tsFiles('scripts')];
await build({
  entryPoints: sources,
  outdir: BUILD_DIR,
  outbase: '.',
  format: 'esm',
  platform: 'node',
  target: 'node20',
  sourcemap: 'linked',
  sourcesContent: false,
  logLevel: 'warning',
});

const testFiles = sources.filter((f) => f.endsWith('.test.ts')).sort();
const chosen = selected.length
  ? testFiles.filter((f) => selected.some((s) => s === '' || f === s || f.startsWith(s + '/')))
  : testFiles;
if (chosen.length === 0) {
  console.error(`npm test: no test file under ${selected.join(', ')}`);
  process.exit(2);
}

// Test files share processes: each process pays Node's start-up and module loading once (~0.7 s of CPU) instead of
// once per file. Files are dealt into TEST_PROCESSES groups, largest first, each to the lightest group (by source
// size, a rough measure of work); the runner starts TEST_CONCURRENCY groups at a time and the next when one ends, so
// a group that waits (timers, child processes, a browser) leaves the CPU to the others. A test file therefore must
// not register hooks at its top level (they would apply to every file of its process): this runner refuses it.
const cpus = Math.max(2, availableParallelism());
const concurrency = Number(process.env.TEST_CONCURRENCY) || cpus + 1;
const processes = Math.min(chosen.length, Number(process.env.TEST_PROCESSES) || cpus * 6);
const topLevelHook = /^(before|after|beforeEach|afterEach)\(/m;
const groups = Array.from({ length: processes }, () => ({ weight: 0, files: [] as string[] }));
for (const file of [...chosen].sort((a, b) => statSync(b).size - statSync(a).size || a.localeCompare(b))) {
  const source = readFileSync(file, 'utf8');
  if (topLevelHook.test(source)) {
    console.error(`npm test: ${file} registers a hook at its top level; put it inside a describe()`);
    process.exit(2);
  }
  const lightest = groups.reduce((min, g) => (g.weight < min.weight ? g : min));
  lightest.files.push(file);
  lightest.weight += source.length;
}
// Each file is imported in turn; one that fails to load is reported as a failed test named after it, and the other
// files of its process still run.
const entries = groups.map((group, i) => {
  const entry = join(BUILD_DIR, 'groups', `group-${String(i + 1).padStart(2, '0')}.test.js`);
  const files = group.files.sort().map((f) => [f, `../${f.replace(/\.ts$/, '.js')}`]);
  mkdirSync(dirname(entry), { recursive: true });
  writeFileSync(
    entry,
    [
      '// Written by scripts/test.ts: these test files run in one process, in this order.',
      "import { test } from 'node:test';",
      `for (const [file, module] of ${JSON.stringify(files)}) {`,
      '  try {',
      '    await import(module);',
      '  } catch (err) {',
      '    test(`${file} loads`, () => { throw err; });',
      '  }',
      '}',
      '',
    ].join('\n'),
  );
  return entry;
});

// Reporters: Node's default (spec on a terminal, TAP otherwise) or those the flags name, each to its destination
// (stdout for those named without one, as Node does for a single one), and skipped-reporter.ts to a file.
const SKIPPED_FILE = join(BUILD_DIR, 'skipped.jsonl');
const reporterFlags: string[] = [];
const count = (flag: string) => runnerFlags.filter((f) => f === flag || f.startsWith(`${flag}=`)).length;
const [reporters, destinations] = [count('--test-reporter'), count('--test-reporter-destination')];
if (reporters === 0 && destinations === 0) reporterFlags.push(`--test-reporter=${process.stdout.isTTY ? 'spec' : 'tap'}`);
for (let i = destinations; i < Math.max(reporters, 1); i++) reporterFlags.push('--test-reporter-destination=stdout');
reporterFlags.push(
  `--test-reporter=${pathToFileURL(resolve(BUILD_DIR, 'scripts', 'skipped-reporter.js')).href}`,
  `--test-reporter-destination=${SKIPPED_FILE}`,
);

/** A test module's path from the root: the source file (source maps usually did that already). */
function sourceOf(path: string): string {
  const fromRoot = relative(ROOT, path);
  return fromRoot.startsWith(`${BUILD_DIR}/`) ? relative(BUILD_DIR, fromRoot).replace(/\.js$/, '.ts') : fromRoot;
}

/** What was skipped, grouped by reason, each with where it is declared. */
function printSkipped(): void {
  if (!existsSync(SKIPPED_FILE)) return;
  const byReason = new Map<string, Set<string>>();
  for (const line of readFileSync(SKIPPED_FILE, 'utf8').split('\n').filter(Boolean)) {
    const { name, reason, file } = JSON.parse(line) as Skipped;
    const source = file ? sourceOf(file.startsWith('file:') ? new URL(file).pathname : file) : '';
    if (!byReason.has(reason)) byReason.set(reason, new Set());
    byReason.get(reason)!.add(source ? `${name} (${source})` : name);
  }
  if (byReason.size === 0) return;
  const lines = ['', `npm test: skipped (${[...byReason.values()].reduce((n, s) => n + s.size, 0)}), by reason:`];
  for (const [reason, tests] of byReason) {
    lines.push(`  ${reason || '(no reason given)'}:`);
    for (const t of [...tests].sort()) lines.push(`    - ${t}`);
  }
  console.log(lines.join('\n'));
}

const child = spawn(
  process.execPath,
  ['--enable-source-maps', '--test', `--test-concurrency=${concurrency}`, ...runnerFlags, ...reporterFlags, ...entries],
  { stdio: 'inherit' },
);
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => child.kill(signal));
child.on('exit', (code, signal) => {
  printSkipped();
  process.exit(code ?? (signal ? 1 : 0));
});
