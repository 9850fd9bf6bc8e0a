/**
 * /healthz is liveness; /readyz is 200 only when the database answers within READINESS_TIMEOUT_MS, every migration
 * is applied and the server is not draining — else 503 `internal` with data.reason. Through a real port, both stores.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Socket } from 'node:net';
import pg from 'pg';
import { sql } from 'kysely';
import { createApp } from '../../src/app.js';
import { openStore } from '../../src/store/open.js';
import { PG_ADMIN_URL, postgresOrSkip, testConfig } from '../support/stores.js';
import { liveApp } from '../support/ops.js';

for (const kind of ['sqlite', 'postgres'] as const) {
  describe(`readiness [${kind}]`, async () => {
    if (kind === 'postgres' && !(await postgresOrSkip())) return;

    it('is ready with a migrated, reachable database', async () => {
      const s = await liveApp(kind);
      try {
        const res = await fetch(`${s.base}/readyz`);
        assert.equal(res.status, 200);
        assert.deepEqual(await res.json(), { status: 'ready' });
        assert.equal((await fetch(`${s.base}/healthz`)).status, 200);
      } finally {
        await s.stop();
      }
    });

    it('answers 503 migrations_pending when a known migration is not applied', async () => {
      const s = await liveApp(kind);
      try {
        await sql`DELETE FROM kysely_migration WHERE name = '0008_agents_unique_lower_id'`.execute(s.store.db);
        const res = await fetch(`${s.base}/readyz`);
        assert.equal(res.status, 503);
        const body = await res.json();
        assert.equal(body.error.type, 'internal');
        assert.equal(body.error.data.reason, 'migrations_pending');
        assert.deepEqual(body.error.data.pending, ['0008_agents_unique_lower_id']);
      } finally {
        await s.stop();
      }
    });

    it('answers 503 draining once the server drains, while liveness still answers', async () => {
      const s = await liveApp(kind);
      try {
        s.app.lifecycle.drain();
        const res = await fetch(`${s.base}/readyz`);
        assert.equal(res.status, 503);
        assert.deepEqual((await res.json()).error.data, { reason: 'draining' });
        assert.equal((await fetch(`${s.base}/healthz`)).status, 200);
        // Other requests get 503 in the error format, and the connection is closed.
        const call = await s.call('list_agents', {});
        assert.equal(call.status, 503);
        assert.equal(call.headers.get('connection'), 'close');
        const err = await call.json();
        assert.equal(err.error.type, 'internal');
        assert.equal(err.error.data.reason, 'draining');
      } finally {
        await s.stop();
      }
    });
  });
}

describe('readiness when the database goes away', async () => {
  it('SQLite: the store closed under the app → 503 database_unavailable; liveness stays 200', async () => {
    const s = await liveApp('sqlite');
    try {
      await s.store.db.destroy();
      const res = await fetch(`${s.base}/readyz`);
      assert.equal(res.status, 503);
      const body = await res.json();
      assert.equal(body.error.type, 'internal');
      assert.equal(body.error.data.reason, 'database_unavailable');
      assert.equal((await fetch(`${s.base}/healthz`)).status, 200);
    } finally {
      await s.stop();
    }
  });

  it('PostgreSQL: the database dropped (connections terminated) → 503 database_unavailable', async () => {
    if (!(await postgresOrSkip())) return;
    const s = await liveApp('postgres');
    const dbName = new URL(s.store.url).pathname.slice(1);
    try {
      assert.equal((await fetch(`${s.base}/readyz`)).status, 200);
      const admin = new pg.Client({ connectionString: PG_ADMIN_URL });
      await admin.connect();
      try {
        await admin.query(`DROP DATABASE "${dbName}" WITH (FORCE)`);
      } finally {
        await admin.end();
      }
      const res = await fetch(`${s.base}/readyz`);
      assert.equal(res.status, 503);
      assert.equal((await res.json()).error.data.reason, 'database_unavailable');
      assert.equal((await fetch(`${s.base}/healthz`)).status, 200);
    } finally {
      await s.stop();
    }
  });

  it('PostgreSQL: a server that accepts but never answers → 503 within READINESS_TIMEOUT_MS; /metrics still answers', async () => {
    const sockets = new Set<Socket>();
    const blackHole = createServer((sock) => {
      sockets.add(sock);
      sock.on('error', () => {});
    });
    await new Promise<void>((r) => blackHole.listen(0, '127.0.0.1', r));
    const port = (blackHole.address() as { port: number }).port;
    const store = openStore(`postgres://postgres@127.0.0.1:${port}/nowhere`, { poolSize: 1 });
    const app = await createApp({ store, config: testConfig({ READINESS_TIMEOUT_MS: '300', WEBHOOK_DELIVERY: 'off' }) });
    try {
      const res = await app.inject({ method: 'GET', url: '/readyz' });
      assert.equal(res.statusCode, 503);
      assert.equal(res.json().error.data.reason, 'database_unavailable');
      assert.equal((await app.inject({ method: 'GET', url: '/healthz' })).statusCode, 200);
      // Metrics still answer (bounded queue query): the queue gauges are NaN (unknown), the rest is there.
      const metrics = await app.inject({ method: 'GET', url: '/metrics' });
      assert.equal(metrics.statusCode, 200);
      assert.match(metrics.body, /^config_api_webhook_queue_depth nan$/im);
      assert.match(metrics.body, /^config_api_webhook_oldest_pending_age_seconds nan$/im);
      assert.match(metrics.body, /^nodejs_heap_size_used_bytes \d/m);
    } finally {
      for (const sock of sockets) sock.destroy();
      blackHole.close();
      await app.close();
      await store.close().catch(() => {});
    }
  });
});
