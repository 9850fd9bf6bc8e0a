/**
 * Database outages (issue 24).
 *
 * PostgreSQL: two `config-api serve` processes take writes while the database goes away (every connection reset and
 * the port closed for 3 s, then a network that swallows packets, then every backend terminated). They stay alive,
 * answer every request promptly in the error format (503 `internal`, `data.reason: database_unavailable`), report
 * not-ready, recover by themselves within 5 s (their change-signal listeners too), and lose nothing: every
 * acknowledged write is stored and its webhook delivered, in order. The database is taken away through a TCP proxy in
 * front of it, so other test processes keep theirs; with OUTAGE_PG_RESTART=on (run by .ci/run after the suite)
 * PostgreSQL itself is stopped and started again.
 *
 * SQLite: a server whose database lives on a small tmpfs that fills up refuses writes with 503 `disk_full`, keeps
 * serving reads, says so on /readyz, writes again without a restart once space is freed, and the file stays intact.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, statfsSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { PG_ADMIN_URL, freshStore, postgresOrSkip, testConfig } from '../support/stores.js';
import { withClient } from '../support/database.js';
import { ServerProcess } from '../support/servers.js';
import { TcpProxy } from '../support/tcp-proxy.js';
import { Receiver, fastRetries, waitFor } from '../support/webhooks.js';
import { liveApp } from '../support/ops.js';
import { createCore } from '../../src/core.js';
import { bootstrap } from '../../src/provisioning/bootstrap.js';
import { migrate } from '../../src/store/migrate.js';
import { openStore } from '../../src/store/open.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The documented bound of an answer while PostgreSQL is away (DATABASE_CONNECT_TIMEOUT_MS here), plus slack for a loaded machine. */
const CONNECT_TIMEOUT_MS = 1_000;
const ANSWER_BOUND_MS = CONNECT_TIMEOUT_MS + 2_000;

interface Answer {
  node: number;
  id: string;
  status: number;
  body: any;
  ms: number;
}

/** Every answer during an outage: 503 `internal` in the error format, saying why. */
function assertUnavailable(a: Pick<Answer, 'status' | 'body'>, reason = 'database_unavailable'): void {
  assert.equal(a.status, 503, JSON.stringify(a.body));
  assert.equal(a.body?.error?.type, 'internal', JSON.stringify(a.body));
  assert.equal(typeof a.body.error.message, 'string');
  assert.equal(a.body.error.data?.reason, reason, JSON.stringify(a.body));
}

/** Metric value of a Prometheus text line `name{labels} value`, summed over label sets. */
function metricSum(text: string, name: string, labels = ''): number {
  let sum = 0;
  for (const line of text.split('\n')) {
    if (line.startsWith(`${name}{`) || line.startsWith(`${name} `)) {
      if (labels && !line.includes(labels)) continue;
      sum += Number(line.slice(line.lastIndexOf(' ') + 1));
    }
  }
  return sum;
}

function pgCluster(action: 'stop' | 'start'): void {
  const version = execFileSync('ls', ['/etc/postgresql']).toString().trim().split('\n')[0]!;
  const args = ['--skip-systemctl-redirect', version, 'main', action, ...(action === 'stop' ? ['-m', 'fast'] : [])];
  execFileSync('pg_ctlcluster', args, { stdio: 'ignore' });
}

describe('a PostgreSQL outage under write load on two server processes [postgres]', async () => {
  if (!(await postgresOrSkip())) return;
  const realRestart = process.env.OUTAGE_PG_RESTART === 'on';

  it(`stays up, answers 503 promptly, recovers within 5 s and loses nothing (${realRestart ? 'PostgreSQL stopped and started' : 'connections cut through a proxy'})`, async (t) => {
    const { store, drop } = await freshStore('postgres', 2);
    const core = createCore(store, testConfig());
    const rx = await new Receiver().start();
    const target = new URL(store.url);
    const proxy = realRestart ? null : await new TcpProxy(Number(target.port || 5432), target.hostname).start();
    const env = {
      ...fastRetries({ WEBHOOK_POLL_MS: '100' }),
      DATABASE_CONNECT_TIMEOUT_MS: String(CONNECT_TIMEOUT_MS),
      DATABASE_POOL_SIZE: '4',
      LOG_LEVEL: 'info',
    };
    const nodes = [new ServerProcess(proxy ? proxy.via(store.url) : store.url, env), new ServerProcess(proxy ? proxy.via(store.url) : store.url, env)];
    let pgStopped = false;
    let running = true;
    try {
      const lic = await core.transaction((tx) => bootstrap(tx, core.cascades, { region: 'dal' }));
      await Promise.all(nodes.map((n) => n.start()));
      const token = lic.bearer_token;
      const reg = await nodes[0]!.call(token, 'register_webhook', {
        action: 'agent_created', url: rx.url('/outage'), secret_key: 'outage-secret', type: 'license', owner_client_id: lic.client_id,
      });
      assert.equal(reg.status, 200, JSON.stringify(reg.body));

      // Four writers, two per node, each creating agents until told to stop.
      const answers: Answer[] = [];
      const writer = async (w: number) => {
        const node = nodes[w % 2]!;
        for (let n = 0; running; n++) {
          const id = `w${w}-${n}@example.com`;
          const t0 = performance.now();
          let r: { status: number; body: any };
          try {
            r = await node.call(token, 'create_agent', { id, name: `Writer ${w} #${n}` });
          } catch (err) {
            r = { status: 0, body: String((err as Error).cause ?? err) }; // no HTTP answer at all: counted as a failure below
          }
          answers.push({ node: w % 2, id, status: r.status, body: r.body, ms: performance.now() - t0 });
          if (r.status !== 200) await sleep(25);
        }
      };
      const load = Promise.all([0, 1, 2, 3].map(writer));
      await waitFor('writes under way', () => answers.filter((a) => a.status === 200).length >= 20);

      // 1. The database goes away for 3 s: every connection reset, new ones refused.
      const awayAt = Date.now();
      if (proxy) await proxy.cut();
      else {
        pgCluster('stop');
        pgStopped = true;
      }
      await sleep(500);
      for (const node of nodes) {
        assert.equal((await fetch(`${node.base}/healthz`)).status, 200, 'liveness stays 200');
        const ready = await fetch(`${node.base}/readyz`);
        const body = await ready.json();
        assertUnavailable({ status: ready.status, body });
        const t0 = performance.now();
        const read = await node.call(token, 'list_agents', {});
        assert.ok(performance.now() - t0 < ANSWER_BOUND_MS, 'answered promptly');
        assertUnavailable(read);
        assert.equal(read.headers.get('retry-after'), '1');
      }
      if (proxy) {
        // A network that swallows packets: answers still come within the connection time-out.
        await proxy.blackhole();
        await sleep(200);
        for (const node of nodes) {
          const t0 = performance.now();
          const r = await node.call(token, 'get_agent', { id: lic.owner.id });
          assert.ok(performance.now() - t0 < ANSWER_BOUND_MS, `answered within ${ANSWER_BOUND_MS} ms while packets are dropped`);
          assertUnavailable(r);
        }
        await proxy.cut();
      }
      await sleep(Math.max(0, awayAt + 3_000 - Date.now()));

      // 2. Back: each node recovers by itself (readiness and a write) within 5 s.
      if (proxy) await proxy.restore();
      else {
        pgCluster('start');
        pgStopped = false;
      }
      const backAt = Date.now();
      await Promise.all(
        nodes.map((node, i) =>
          waitFor(`node ${i} ready and writing again`, async () => {
            if ((await fetch(`${node.base}/readyz`)).status !== 200) return false;
            return (await node.call(token, 'create_agent', { id: `back-${i}-${Date.now()}@example.com`, name: 'Back' })).status === 200;
          }, 5_000),
        ),
      );
      t.diagnostic(`recovered ${Date.now() - backAt} ms after the database came back`);
      // The change-signal listener (its own connection, outside the pool) listens again too, within the same 5 s.
      const listening = (node: ServerProcess) => node.logLines().filter((l) => l.msg?.startsWith('change signals: listening again')).length;
      await Promise.all(nodes.map((node, i) => waitFor(`node ${i} listening to change signals again`, () => listening(node) >= 1, Math.max(0, backAt + 5_000 - Date.now()))));

      // 3. Every backend of the test database terminated under load (a failover or a DBA's pg_terminate_backend).
      await sleep(300);
      await withClient(PG_ADMIN_URL, (c) =>
        c.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()', [target.pathname.slice(1)]),
      );
      await sleep(1_000);
      running = false;
      await load;

      // Processes alive; every answer a success or 503 in the error format, none hanging.
      for (const [i, node] of nodes.entries()) assert.ok(node.alive, `node ${i} alive: ${node.output().slice(-500)}`);
      const failed = answers.filter((a) => a.status !== 200);
      assert.ok(failed.length > 0, 'the outage was seen by the writers');
      for (const a of failed) assertUnavailable(a);
      assert.ok(Math.max(...answers.map((a) => a.ms)) < ANSWER_BOUND_MS + 1_000, 'no request hung');

      // No acknowledged write lost, and each one's webhook delivered (in event order).
      const acked = answers.filter((a) => a.status === 200).map((a) => a.id);
      const stored = new Set(
        (await store.db.selectFrom('agents').select('id').where('license_id', '=', lic.license_id).execute()).map((r) => r.id),
      );
      assert.deepEqual(acked.filter((id) => !stored.has(id)), [], 'acknowledged writes are stored');
      await waitFor('a webhook for every acknowledged write', () => {
        const got = new Set(rx.acked('/outage').map((r) => r.body.payload.id));
        return acked.every((id) => got.has(id));
      }, 30_000);
      const released = nodes.flatMap((n) => n.logLines()).filter((l) => l.msg?.startsWith('webhook delivery: released claims'));
      t.diagnostic(`claims released after the outage: ${released.map((l) => l.released).join(', ') || 'none'}`);
      const events = await store.db
        .selectFrom('webhook_events')
        .select(['payload'])
        .where('action', '=', 'agent_created')
        .orderBy('seq')
        .execute();
      const inEventOrder = events.map((e) => JSON.parse(e.payload).id as string);
      await waitFor('every stored event delivered', () => new Set(rx.acked('/outage').map((r) => r.body.payload.id)).size === inEventOrder.length, 30_000);
      const firstSeen: string[] = [];
      for (const r of rx.acked('/outage')) if (!firstSeen.includes(r.body.payload.id)) firstSeen.push(r.body.payload.id);
      assert.deepEqual(firstSeen, inEventOrder, 'delivered in event order');

      // One log line per outage start and end (not one per request), and a counter of errors by kind.
      for (const [i, node] of nodes.entries()) {
        const lines = node.logLines();
        const down = lines.filter((l) => l.msg?.startsWith('database unavailable'));
        const up = lines.filter((l) => l.msg === 'database available again');
        const refused = failed.filter((a) => a.node === i).length;
        t.diagnostic(`node ${i}: ${refused} requests refused, ${down.length} outage lines, ${up.length} recovery lines`);
        assert.ok(down.length >= 1 && down.length <= 4, `outage logged once per outage (${down.length})`);
        assert.ok(down.length < refused, 'not one line per request');
        assert.equal(up.length, down.length, 'every outage has its end logged');
        assert.ok(!lines.some((l) => /claim failed|bookkeeping failed/.test(l.msg ?? '') && l.level >= 40), 'the delivery loop does not warn per poll');
        const lost = lines.filter((l) => l.msg?.startsWith('change signals: connection lost')).length;
        assert.ok(lost >= 1 && lost <= 4, `the listener's losses logged once each, not per attempt (${lost})`);
        assert.equal(lines.filter((l) => l.msg?.startsWith('change signals: listening again')).length, lost, 'every loss has its recovery logged');
        const metrics = await (await fetch(`${node.base}/metrics`)).text();
        assert.ok(metricSum(metrics, 'config_api_database_errors_total') > 0, 'database errors counted');
        assert.equal(metricSum(metrics, 'config_api_database_available'), 1);
      }
    } finally {
      running = false;
      if (pgStopped) pgCluster('start'); // never leave PostgreSQL stopped
      await Promise.all(nodes.map((n) => n.stop()));
      await proxy?.stop();
      await rx.stop();
      await drop();
    }
  });
});

describe('a full disk under SQLite', () => {
  it('refuses writes with 503 disk_full, keeps serving reads, writes again once space is freed, file intact', async (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'config-api-full-'));
    try {
      execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=6m', 'tmpfs', dir], { stdio: 'pipe' });
    } catch (err) {
      rmSync(dir, { recursive: true, force: true });
      const why = String((err as { stderr?: Buffer }).stderr ?? (err as Error).message).trim();
      if (process.env.CI === 'true') throw new Error(`cannot mount a tmpfs under CI: ${why}`);
      t.skip(`cannot mount a small filesystem here (mounting a tmpfs needs root): ${why}`);
      return;
    }
    const store = openStore(`sqlite:${join(dir, 'db.sqlite')}`);
    let live: Awaited<ReturnType<typeof liveApp>> | undefined;
    try {
      await migrate(store);
      live = await liveApp('sqlite', {}, { store });
      const { call, base } = live;
      const create = async (id: string) => {
        const res = await call('create_agent', { id, name: 'Filler '.repeat(20).trim(), job_title: 'x'.repeat(150) });
        return { status: res.status, body: await res.json(), headers: res.headers };
      };
      // Leave about 96 KB free, then write until the disk refuses.
      const filler = join(dir, 'filler');
      const free = () => {
        const s = statfsSync(dir);
        return s.bavail * s.bsize;
      };
      writeFileSync(filler, Buffer.alloc(Math.max(0, free() - 96 * 1024)));
      const acked: string[] = [];
      let refused: Awaited<ReturnType<typeof create>> | undefined;
      for (let i = 0; i < 500 && !refused; i++) {
        const r = await create(`full-${i}@example.com`);
        if (r.status === 200) acked.push(`full-${i}@example.com`);
        else refused = r;
      }
      assert.ok(refused, "the disk filled up");
      assertUnavailable(refused, 'disk_full');
      assert.equal(refused.headers.get('retry-after'), '1');
      for (let i = 0; i < 5; i++) assertUnavailable(await create(`more-${i}@example.com`), 'disk_full');

      // Reads go on; liveness is fine; readiness says why.
      const list = await call('list_agents', {});
      assert.equal(list.status, 200);
      const listed = new Set(((await list.json()) as Array<{ id: string }>).map((a) => a.id));
      assert.deepEqual(acked.filter((id) => !listed.has(id)), []);
      assert.equal((await fetch(`${base}/healthz`)).status, 200);
      const ready = await fetch(`${base}/readyz`);
      assertUnavailable({ status: ready.status, body: await ready.json() }, 'disk_full');
      const metrics = await (await fetch(`${base}/metrics`)).text();
      assert.ok(metricSum(metrics, 'config_api_database_errors_total', 'kind="disk_full"') >= 6);
      assert.equal(metricSum(metrics, 'config_api_database_available'), 0);
      assert.equal(live.logs.filter((l) => l.msg?.startsWith('database unavailable')).length, 1, 'one line for the outage');

      // Space back: writes work again without a restart.
      unlinkSync(filler);
      await waitFor('ready again', async () => (await fetch(`${base}/readyz`)).status === 200, 5_000);
      const again = await create('after@example.com');
      assert.equal(again.status, 200, JSON.stringify(again.body));
      assert.equal(live.logs.filter((l) => l.msg === 'database available again').length, 1);
      const { rows } = await sql<{ integrity_check: string }>`PRAGMA integrity_check`.execute(store.db);
      assert.deepEqual(rows, [{ integrity_check: 'ok' }]);
    } finally {
      await live?.stop();
      await store.close().catch(() => {});
      execFileSync('umount', [dir], { stdio: 'ignore' });
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
