/**
 * `npm test`: transpile src/, test/ and scripts/ once with esbuild into .test-build/ (the per-file transform tsx
 * applies, done once in about 0.2 s instead of ~1 s of loader start-up in every test process), then run Node's test
 * runner on the compiled test files, several files per process. Type checking is `npm run typecheck`.
 *
 *   npm test                                   every test file
 *   npm test -- test/agents test/api/batch.test.ts   the files under these paths
 *   npm test -- --test-name-pattern=batch      flags starting with -- go to `node --test`
 *
 * TEST_PROCESSES: how many processes the files are dealt into (default: 6 per CPU); TEST_CONCURRENCY: how many of
 * them run at once (default: one more than the CPUs, so that one waiting on timers or a child leaves no CPU idle).
 */
import { spawn } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { build } from 'esbuild';
import { ROOT } from '../test/support/processes.js';

const BUILD_DIR = '.test-build';

function tsFiles(dir: string, out: string[] = []): string[] {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) tsFiles(path, out);
    else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts')) out.push(path);
  }
  return out;
}

const args = process.argv.slice(2);
const runnerFlags = args.filter((a) => a.startsWith('-'));
const selected = args.filter((a) => !a.startsWith('-'));

process.chdir(ROOT);
rmSync(BUILD_DIR, { recursive: true, force: true });
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
for (const path of selected) {
  try {
    statSync(path);
  } catch {
    console.error(`npm test: no such file or directory: ${path}`);
    process.exit(2);
  }
}
const chosen = selected.length
  ? testFiles.filter((f) => selected.some((s) => f === relative('.', s) || f.startsWith(relative('.', s) + '/')))
  : testFiles;
if (chosen.length === 0) {
  console.error(`npm test: no test file under ${selected.join(', ')}`);
  process.exit(2);
}

// Test files share processes: each process pays Node's start-up and module loading once (~0.7 s of CPU) instead of
// once per file. Files are dealt into TEST_PROCESSES groups, largest first, each to the lightest group (by source
// size, a rough measure of work); the runner starts TEST_CONCURRENCY groups at a time and the next when one ends, so
// a group that waits (timers, child processes, a browser) leaves the CPU to the others. A test file therefore must
// not register hooks at its top level (they would apply to every file of its process): scripts/test.ts refuses it.
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
const entries = groups.map((group, i) => {
  const entry = join(BUILD_DIR, 'groups', `group-${String(i + 1).padStart(2, '0')}.test.js`);
  const imports = group.files.sort().map((f) => `import '../${f.replace(/\.ts$/, '.js')}';`);
  mkdirSync(dirname(entry), { recursive: true });
  writeFileSync(entry, `// Written by scripts/test.ts: these test files run in one process.\n${imports.join('\n')}\n`);
  return entry;
});

const child = spawn(
  process.execPath,
  ['--enable-source-maps', '--test', `--test-concurrency=${concurrency}`, ...runnerFlags, ...entries],
  { stdio: 'inherit' },
);
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => child.kill(signal));
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
