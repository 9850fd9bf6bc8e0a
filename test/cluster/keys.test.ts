/**
 * Keys and start-up on a cluster (issue 23): a server on PostgreSQL — a database several servers may share — without
 * TOKEN_SIGNING_KEY or TOKEN_SIGNING_KEY_FILE refuses to start (exit 2), saying how to give every server the same key,
 * and writes nothing: no key file where it was started, nothing in the database (not even the migrations). A start
 * refused because the database does not answer writes nothing either. `config-api keys rotate` on PostgreSQL without a
 * key prints one to configure instead of writing a file. (SQLite's first start generating its key file: ops/serve and
 * bots/signing-keys tests.)
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freshDatabase, postgresOrSkip } from '../support/stores.js';
import { withClient } from '../support/database.js';
import { ROOT, cliCommand } from '../support/processes.js';
import { TEST_SIGNING_KEY } from '../support/servers.js';

/** The CLI run from `cwd` (not the checkout): what it writes relative to where it was started lands there. */
function cli(cwd: string, args: string[], env: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const argv = cliCommand('tested').map((a) => (a === 'tsx' ? import.meta.resolve('tsx') : /\.[jt]s$/.test(a) ? join(ROOT, a) : a));
  const base = { ...process.env };
  delete base.TOKEN_SIGNING_KEY;
  delete base.TOKEN_SIGNING_KEY_FILE;
  const child = spawn(process.execPath, [...argv, ...args], {
    cwd,
    env: { ...base, HOST: '127.0.0.1', PORT: '0', LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
  return new Promise((resolve) =>
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    }),
  );
}

describe('start-up on PostgreSQL without a configured signing key [postgres]', async () => {
  if (!(await postgresOrSkip())) return;
  let dir: string;
  let db: Awaited<ReturnType<typeof freshDatabase>>;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'config-api-keys-'));
    db = await freshDatabase('postgres'); // empty: not migrated
  });
  after(async () => {
    rmSync(dir, { recursive: true, force: true });
    await db?.drop();
  });
  const tables = () =>
    withClient(db.url, async (c) => Number((await c.query("SELECT count(*) AS n FROM information_schema.tables WHERE table_schema = 'public'")).rows[0].n));

  it('refuses to start, says how to give every server the same key, and writes nothing', async () => {
    const r = await cli(dir, ['serve'], { DATABASE_URL: db.url });
    assert.equal(r.code, 2, r.stdout + r.stderr);
    assert.match(r.stderr, /no bot-token signing key is configured/);
    assert.match(r.stderr, /same\s+TOKEN_SIGNING_KEY/);
    assert.match(r.stderr, /TOKEN_SIGNING_KEY_FILE/);
    assert.deepEqual(readdirSync(dir), [], 'no key file (nor ./data) where it was started');
    assert.equal(await tables(), 0, 'nothing written to the database, not even the migrations');
  });

  it('a start refused because the database does not answer writes nothing either', async () => {
    const r = await cli(dir, ['serve'], { DATABASE_URL: 'postgres://postgres@127.0.0.1:1/none', TOKEN_SIGNING_KEY: TEST_SIGNING_KEY });
    assert.notEqual(r.code, 0);
    assert.match(r.stdout + r.stderr, /cannot reach PostgreSQL/);
    assert.deepEqual(readdirSync(dir), []);
  });

  it('keys rotate prints a key to give every server instead of writing a key file', async () => {
    const r = await cli(dir, ['keys', 'rotate', '--json'], { DATABASE_URL: db.url });
    assert.equal(r.code, 0, r.stdout + r.stderr);
    const out = JSON.parse(r.stdout);
    assert.equal(typeof out.key, 'string');
    assert.ok(out.key.length >= 32);
    assert.match(out.instructions, /TOKEN_SIGNING_KEY/);
    assert.deepEqual(readdirSync(dir), []);

  });
});
