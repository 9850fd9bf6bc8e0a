/**
 * `config-api serve` as a real process: shutdown with a deadline (stalled clients, in-flight requests, a second
 * signal), bind before creating the demo (a taken port creates nothing), `demo-token`, and `sqlite::memory:`.
 */
import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { connect, createServer, type Socket } from 'node:net';
import { openStore } from '../../src/store/open.js';
import { demoToken, createDemo, isEmpty } from '../../src/provisioning/demo.js';
import { freshDatabase, freshStore, postgresOrSkip, testConfig } from '../support/stores.js';
import { createCore } from '../../src/core.js';
import { waitFor } from '../support/webhooks.js';
import { ROOT, cliCommand } from '../support/processes.js';

const CLI = cliCommand('tested');

interface Server {
  proc: ChildProcess;
  out(): string;
  /** Log lines (JSON) written so far. */
  logs(): Array<Record<string, any>>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

function run(args: string[], env: Record<string, string>): Server {
  const proc = spawn(process.execPath, [...CLI, ...args], {
    cwd: ROOT,
    env: { ...process.env, HOST: '127.0.0.1', PORT: '0', LOG_LEVEL: 'debug', WEBHOOK_STATS_MS: '0', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  proc.stdout!.on('data', (d) => (out += d));
  proc.stderr!.on('data', (d) => (out += d));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    proc.on('exit', (code, signal) => resolve({ code, signal })),
  );
  const logs = () =>
    out
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as Record<string, any>);
  return { proc, out: () => out, logs, exited };
}

const started: Server[] = [];
function killLeftovers(): void {
  for (const s of started) if (s.proc.exitCode === null && s.proc.signalCode === null) s.proc.kill('SIGKILL');
}

async function serve(env: Record<string, string>): Promise<Server & { port: number; token: string | null }> {
  const s = run(['serve'], env);
  started.push(s);
  const line = await waitFor('the server to listen', () => s.logs().find((l) => /listening at/i.test(String(l.msg))), 30_000);
  const port = Number(/:(\d+)$/.exec(String(line.msg))![1]);
  await waitFor('the demo credentials', () => s.out().includes('Lost the token?'), 30_000);
  const token = /bearer token:\s+(\S+)/.exec(s.out())?.[1] ?? null;
  return { ...s, port, token };
}

/** Exit within `boundMs` (a bound that fails the test, not a measured assertion). */
async function exitWithin(s: Server, boundMs: number) {
  let timer: NodeJS.Timeout | undefined;
  const result = await Promise.race([s.exited, new Promise<null>((r) => (timer = setTimeout(() => r(null), boundMs)))]);
  clearTimeout(timer);
  assert.ok(result, `the server did not exit within ${boundMs} ms`);
  return result!;
}

/** A request whose headers are sent and whose body is not (the client stalls). */
async function stalledRequest(s: Server, port: number, token: string): Promise<{ socket: Socket; response: Promise<string> }> {
  const id = `stalled-${Math.random().toString(36).slice(2)}`;
  const out = await new Promise<{ socket: Socket; response: Promise<string> }>((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => {
      socket.write(
        'POST /v3.5/configuration/action/list_agents HTTP/1.1\r\nHost: 127.0.0.1\r\n' +
          `Authorization: Bearer ${token}\r\nContent-Type: application/json\r\nX-Request-Id: ${id}\r\nContent-Length: 2\r\n\r\n{`,
      );
      let text = '';
      socket.on('data', (d) => (text += d));
      const response = new Promise<string>((r) => socket.on('close', () => r(text)));
      socket.on('error', () => {});
      resolve({ socket, response });
    });
    socket.once('error', reject);
  });
  // The server has the request (its debug line) before the test goes on.
  await waitFor('the request to reach the server', () => s.logs().some((l) => l.reqId === id));
  return out;
}

async function dbUrl(t: Awaited<ReturnType<typeof freshDatabase>>[]): Promise<string> {
  const db = await freshDatabase('sqlite');
  t.push(db);
  return db.url;
}

describe('config-api serve (real process)', () => {
  after(killLeftovers);

  const dbs: Awaited<ReturnType<typeof freshDatabase>>[] = [];
  after(async () => {
    for (const d of dbs) await d.drop();
  });

  it('SIGTERM with no clients: drains and exits 0', async () => {
    const s = await serve({ DATABASE_URL: await dbUrl(dbs) });
    assert.ok(s.token, 'the demo token is printed on an empty database');
    s.proc.kill('SIGTERM');
    assert.deepEqual(await exitWithin(s, 15_000), { code: 0, signal: null });
    assert.ok(s.logs().some((l) => l.msg?.startsWith('shutting down')));
  });

  it('an in-flight request finishes after SIGTERM, then the server exits 0', async () => {
    const s = await serve({ DATABASE_URL: await dbUrl(dbs), SHUTDOWN_TIMEOUT_MS: '30000' });
    const { socket, response } = await stalledRequest(s, s.port, s.token!);
    s.proc.kill('SIGTERM');
    await waitFor('the drain to start', () => s.logs().some((l) => l.msg?.startsWith('shutting down')));
    socket.write('}');
    const text = await response;
    assert.match(text, /^HTTP\/1\.1 200 /);
    assert.match(text, /owner@example\.com/);
    assert.match(text, /connection: close/i);
    assert.deepEqual(await exitWithin(s, 20_000), { code: 0, signal: null });
  });

  it('a client that stalls mid-request cannot hold the server past SHUTDOWN_TIMEOUT_MS', async () => {
    const s = await serve({ DATABASE_URL: await dbUrl(dbs), SHUTDOWN_TIMEOUT_MS: '1000' });
    const { socket } = await stalledRequest(s, s.port, s.token!);
    s.proc.kill('SIGTERM');
    const result = await exitWithin(s, 15_000);
    assert.equal(result.code, 1, 'exit status 1: forced by the deadline');
    assert.match(s.out(), /killed by timeout \(1000ms\)/);
    socket.destroy();
  });

  it('a second signal exits at once', async () => {
    const s = await serve({ DATABASE_URL: await dbUrl(dbs), SHUTDOWN_TIMEOUT_MS: '600000' });
    const { socket } = await stalledRequest(s, s.port, s.token!);
    s.proc.kill('SIGTERM');
    await waitFor('the drain to start', () => s.logs().some((l) => l.msg?.startsWith('shutting down')));
    s.proc.kill('SIGINT');
    const result = await exitWithin(s, 15_000);
    assert.equal(result.code, 1);
    assert.match(s.out(), /second SIGINT, exiting/);
    socket.destroy();
  });

  it('a taken port: exits 1 and creates no demo; the next start prints one; demo-token mints another', async () => {
    const url = await dbUrl(dbs);
    const holder = createServer();
    await new Promise<void>((r) => holder.listen(0, '127.0.0.1', r));
    const port = String((holder.address() as { port: number }).port);
    const failed = run(['serve'], { DATABASE_URL: url, PORT: port });
    started.push(failed);
    const result = await exitWithin(failed, 30_000);
    holder.close();
    assert.equal(result.code, 1);
    assert.doesNotMatch(failed.out(), /bearer token/);
    assert.match(failed.out(), /EADDRINUSE/);
    const store = openStore(url);
    try {
      assert.equal(await isEmpty(store), true);
    } finally {
      await store.close();
    }

    const s = await serve({ DATABASE_URL: url });
    assert.ok(s.token, 'the next start prints the demo token');
    const cli = run(['demo-token', '--json'], { DATABASE_URL: url, LOG_LEVEL: 'silent' });
    assert.equal((await exitWithin(cli, 30_000)).code, 0);
    const minted = JSON.parse(cli.out());
    assert.notEqual(minted.bearer_token, s.token);
    assert.equal(minted.owner.id, 'owner@example.com');
    const res = await fetch(`http://127.0.0.1:${s.port}/v3.5/configuration/action/list_agents`, {
      method: 'POST',
      headers: { authorization: `Bearer ${minted.bearer_token}` },
    });
    assert.equal(res.status, 200);
    s.proc.kill('SIGTERM');
    assert.equal((await exitWithin(s, 15_000)).code, 0);
  });

  it('DATABASE_URL=sqlite::memory: is a working throwaway store (one connection shared by everything)', async () => {
    const s = await serve({ DATABASE_URL: 'sqlite::memory:' });
    assert.ok(s.token);
    const base = `http://127.0.0.1:${s.port}`;
    assert.equal((await fetch(`${base}/readyz`)).status, 200);
    const call = (action: string, body: unknown) =>
      fetch(`${base}/v3.5/configuration/action/${action}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${s.token}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
    assert.equal((await call('create_tag', { name: 'in-memory' })).status, 200);
    const tags = await (await call('list_tags', {})).json();
    assert.deepEqual(tags.map((t: { name: string }) => t.name), ['in-memory']);
    s.proc.kill('SIGTERM');
    assert.equal((await exitWithin(s, 15_000)).code, 0);
  });
});

for (const kind of ['sqlite', 'postgres'] as const) {
  describe(`demo token [${kind}]`, async () => {
    if (kind === 'postgres' && !(await postgresOrSkip())) return;
    it("mints a working token for the demo licence's owner; none without a demo licence", async () => {
      const { store, drop } = await freshStore(kind);
      try {
        assert.equal(await demoToken(store, 'dal'), null);
        const core = createCore(store, testConfig());
        const demo = await core.transaction((tx) => createDemo(tx, core.cascades, 'dal'));
        const t = await demoToken(store, 'dal');
        assert.ok(t);
        assert.equal(t.license_id, demo.license_id);
        assert.equal(t.client_id, demo.client_id);
        assert.deepEqual(t.owner, demo.owner);
        assert.notEqual(t.bearer_token, demo.bearer_token);
        assert.match(t.bearer_token, /^dal:/);
        assert.equal(await demoToken(store, 'fra'), null, 'another region has no demo licence');
      } finally {
        await drop();
      }
    });
  });
}
