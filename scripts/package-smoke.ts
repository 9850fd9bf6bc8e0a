/**
 * Package smoke test (run by .ci/run; `npm run smoke:package`): `npm pack` the checkout, install the tarball into an
 * empty directory with production dependencies only, check `npx config-api --version`, start `npx config-api serve`
 * on 127.0.0.1, a free port and a temp SQLite file, call list_agents with the demo token the server prints, stop it
 * with SIGTERM. Everything lives in one temp directory, removed at the end; every step is bounded in time.
 */
import { mkdtempSync, mkdirSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  ROOT,
  assertNoDevDependencies,
  checkListAgents,
  demoToken,
  elapsed,
  freePort,
  killGroup,
  removeTree,
  log,
  run,
  startServer,
  step,
  stopServer,
  useLocalPrebuild,
  waitHealthy,
  watchdog,
  type Server,
} from './lib/smoke.js';

const TOTAL_TIMEOUT_MS = 15 * 60_000;
const started = Date.now();


const tmp = mkdtempSync(join(tmpdir(), 'config-api-package-smoke-'));
let server: Server | undefined;
const timer = watchdog('package smoke', TOTAL_TIMEOUT_MS, () => {
  killGroup(server);
  removeTree(tmp);
});

try {
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { name: string; version: string };
  const packDir = join(tmp, 'pack');
  mkdirSync(packDir);
  const tarball = await step('npm pack (prepack: clean build)', () => {
    run('npm', ['pack', '--pack-destination', packDir, '--no-audit', '--no-fund'], { cwd: ROOT, timeoutMs: 5 * 60_000, quiet: true });
    const files = readdirSync(packDir).filter((f) => f.endsWith('.tgz'));
    if (files.length !== 1) throw new Error(`expected one tarball, found ${files.join(', ') || 'none'}`);
    return join(packDir, files[0]!);
  });
  if (!tarball.endsWith(`${pkg.name}-${pkg.version}.tgz`)) throw new Error(`unexpected tarball name ${tarball}`);

  const entries = run('tar', ['-tzf', tarball], { cwd: tmp, timeoutMs: 60_000, quiet: true }).trim().split('\n');
  log(`   ${tarball.split('/').pop()}: ${(statSync(tarball).size / 1024).toFixed(1)} KiB, ${entries.length} files`);
  for (const required of ['package/package.json', 'package/bin/config-api.js', 'package/dist/src/cli/main.js', 'package/dist/src/client/index.js', 'package/dist/src/client/index.d.ts']) {
    if (!entries.includes(required)) throw new Error(`tarball lacks ${required}`);
  }
  // Type declarations (.d.ts) ship: `config-api/client` is typed. TypeScript sources and source maps do not.
  const unwanted = entries.filter((e) => (/\.(ts|map)$/.test(e) && !e.endsWith('.d.ts')) || /^package\/(test|bench|src|scripts|node_modules|data)\//.test(e));
  if (unwanted.length) throw new Error(`tarball ships files it should not: ${unwanted.slice(0, 10).join(', ')}`);

  const app = join(tmp, 'app');
  mkdirSync(app);
  useLocalPrebuild(tmp);
  await step('npm install <tarball> --omit=dev (empty directory)', () =>
    run('npm', ['install', tarball, '--omit=dev', '--no-audit', '--no-fund'], { cwd: app, timeoutMs: 8 * 60_000 }),
  );
  assertNoDevDependencies(join(app, 'node_modules'));

  await step('npx config-api --version', () => {
    const v = run('npx', ['--no', '--', 'config-api', '--version'], { cwd: app, timeoutMs: 60_000, quiet: true }).trim();
    if (v !== pkg.version) throw new Error(`--version printed "${v}", expected "${pkg.version}"`);
    log(`   ${v}`);
  });

  await step("import('config-api/client') from the installed package", () => {
    const code = "import('config-api/client').then((m) => { if (typeof m.ConfigurationApi !== 'function' || typeof m.ConfigApiError !== 'function') process.exit(3); console.log('ok'); })";
    const out = run(process.execPath, ['--input-type=module', '-e', code], { cwd: app, timeoutMs: 60_000, quiet: true }).trim();
    if (out !== 'ok') throw new Error(`the typed client did not load: ${out}`);
  });

  await step('npx config-api serve → list_agents → SIGTERM', async () => {
    const port = await freePort();
    const base = `http://127.0.0.1:${port}`;
    server = startServer('npx', ['--no', '--', 'config-api', 'serve'], {
      cwd: app,
      env: { ...process.env, HOST: '127.0.0.1', PORT: String(port), DATABASE_URL: `sqlite:${join(tmp, 'data', 'config-api.sqlite')}`, LOG_LEVEL: 'warn' },
    });
    const ms = await waitHealthy(`${base}/healthz`, server, 60_000);
    log(`   healthy ${ms} ms after start`);
    await checkListAgents(base, demoToken(server.output()));
    const { code, signal } = await stopServer(server, 20_000);
    if (code !== 0) throw new Error(`server exited with ${code ?? signal} after SIGTERM:\n${server.output()}`);
    log('   stopped: exit code 0');
  });
  log(`package smoke: OK in ${elapsed(started)}`);
} catch (err) {
  process.stderr.write(`package smoke: FAILED: ${(err as Error).message}\n`);
  killGroup(server);
  process.exitCode = 1;
} finally {
  clearTimeout(timer);
  const tc = Date.now();
  removeTree(tmp);
  log(`   removed ${tmp} in ${elapsed(tc)}; total ${elapsed(started)}`);
}
