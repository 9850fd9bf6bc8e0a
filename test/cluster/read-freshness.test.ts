/**
 * PostgreSQL: get_agent and list_agents answers served from a node's cache without a database read of their own
 * (shared-state/pg-read-freshness.ts) stay exact across nodes: a write acknowledged by one node — or made by an
 * operator's SQL — is seen by the next read on any other node, because every read waits for a barrier of its node's
 * change listener (every notification committed before the read was heard). Without a listening connection the
 * nodes read the database as before. Two apps on one database stand for two nodes.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import pg from 'pg';
import type { FastifyInstance } from 'fastify';
import { freshStore, postgresOrSkip, testConfig } from '../support/stores.js';
import { waitFor } from '../support/webhooks.js';
import { createCore } from '../../src/core.js';
import { createApp } from '../../src/app.js';
import { bootstrap, type BootstrapResult } from '../../src/provisioning/bootstrap.js';
import { LISTENER_APPLICATION_NAME } from '../../src/shared-state/pg-change-listener.js';
import type { Store } from '../../src/store/store.js';
import { agentsNotified } from '../../src/store/notify.js';
import * as m0018 from '../../src/store/migrations/0018_agents_notify.js';

const original = pg.Client.prototype.query;

describe('agent answers cached on PostgreSQL stay exact across nodes [postgres]', async () => {
  if (!(await postgresOrSkip())) return;
  let store: Store;
  let drop: () => Promise<void>;
  let a: FastifyInstance;
  let b: FastifyInstance;
  let lic: BootstrapResult;
  /** Texts of the agents reads sent by any pg client while `counting` (the cache's misses). */
  let agentReads = 0;
  let counting = false;

  before(async () => {
    (pg.Client.prototype as unknown as { query: (...args: unknown[]) => unknown }).query = function (this: pg.Client, ...args: unknown[]) {
      const q = args[0] as string | { text?: string };
      const text = typeof q === 'string' ? q : (q?.text ?? '');
      if (counting && /from "agents"/.test(text)) agentReads++;
      return (original as (...x: unknown[]) => unknown).apply(this, args);
    } as typeof original;
    ({ store, drop } = await freshStore('postgres'));
    const core = createCore(store, testConfig());
    lic = await core.transaction((tx) => bootstrap(tx, core.cascades, { region: 'dal' }));
    a = await createApp({ store, config: testConfig({ AUTH_CACHE_TTL_MS: '600000' }), logger: false });
    b = await createApp({ store, config: testConfig({ AUTH_CACHE_TTL_MS: '600000' }), logger: false });
  });
  after(async () => {
    pg.Client.prototype.query = original;
    await a?.close();
    await b?.close();
    await drop?.();
  });

  const call = async (app: FastifyInstance, action: string, body: unknown) => {
    const res = await app.inject({
      method: 'POST',
      url: `/v3.5/configuration/action/${action}`,
      headers: { authorization: `Bearer ${lic.bearer_token}`, 'content-type': 'application/json' },
      payload: JSON.stringify(body),
    });
    assert.equal(res.statusCode, 200, res.body);
    return JSON.parse(res.body);
  };

  it('serves repeated reads without reading the agents again, and every write acknowledged by one node at the next read of the other', async () => {
    await call(a, 'create_agent', { id: 'fresh@example.com', name: 'Fresh', job_title: 'v0' });
    await call(b, 'get_agent', { id: 'fresh@example.com', fields: ['job_title'] });
    agentReads = 0;
    counting = true;
    for (let i = 0; i < 20; i++) await call(b, 'get_agent', { id: 'fresh@example.com', fields: ['job_title'] });
    counting = false;
    assert.equal(agentReads, 0, 'served from the cache');
    for (let i = 1; i <= 30; i++) {
      const [writer, reader] = i % 2 ? [a, b] : [b, a];
      await call(writer, 'update_agent', { id: 'fresh@example.com', job_title: `v${i}` });
      const seen = await call(reader, 'get_agent', { id: 'fresh@example.com', fields: ['job_title'] });
      assert.equal(seen.job_title, `v${i}`, `write ${i} seen by the other node at once`);
      const listed = await call(reader, 'list_agents', { fields: ['job_title'] });
      assert.equal(listed.find((x: { id: string }) => x.id === 'fresh@example.com').job_title, `v${i}`);
    }
  });

  it('reads the database every time with PG_READ_CACHE=off', async () => {
    const c = await createApp({ store, config: testConfig({ PG_READ_CACHE: 'off', AUTH_CACHE_TTL_MS: '600000' }), logger: false });
    try {
      await call(c, 'get_agent', { id: 'fresh@example.com', fields: ['job_title'] });
      agentReads = 0;
      counting = true;
      for (let i = 0; i < 3; i++) await call(c, 'get_agent', { id: 'fresh@example.com', fields: ['job_title'] });
      counting = false;
      assert.equal(agentReads, 3);
    } finally {
      await c.close();
    }
  });

  it("sees an operator's SQL (no node involved) at the next read, and group changes too", async () => {
    await call(a, 'get_agent', { id: 'fresh@example.com', fields: ['job_title', 'groups'] });
    const sql = new pg.Client({ connectionString: store.url });
    await sql.connect();
    try {
      await sql.query("UPDATE agents SET job_title = 'by hand' WHERE license_id = $1 AND id = 'fresh@example.com'", [lic.license_id]);
    } finally {
      await sql.end();
    }
    assert.equal((await call(a, 'get_agent', { id: 'fresh@example.com', fields: ['job_title'] })).job_title, 'by hand');
    const group = await call(b, 'create_group', { name: 'Fresh group', agent_priorities: { [lic.owner.id]: 'normal', 'fresh@example.com': 'first' } });
    const seen = await call(a, 'get_agent', { id: 'fresh@example.com', fields: ['groups'] });
    assert.deepEqual(seen.groups.find((g: { id: number }) => g.id === group.id), { id: group.id, priority: 'first' });
    // A TRUNCATE fires no row trigger: it tells every licence.
    const admin = new pg.Client({ connectionString: store.url });
    await admin.connect();
    try {
      await admin.query('TRUNCATE group_members');
    } finally {
      await admin.end();
    }
    assert.deepEqual((await call(a, 'get_agent', { id: 'fresh@example.com', fields: ['groups'] })).groups, []);
  });

  it('reads the database while a node does not listen, and caches again once it listens', async () => {
    const admin = new pg.Client({ connectionString: store.url });
    await admin.connect();
    try {
      await admin.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1 AND datname = current_database()', [LISTENER_APPLICATION_NAME]);
      // Whatever the listener's state, every read is right.
      for (let i = 0; i < 5; i++) {
        await call(a, 'update_agent', { id: 'fresh@example.com', job_title: `outage ${i}` });
        assert.equal((await call(b, 'get_agent', { id: 'fresh@example.com', fields: ['job_title'] })).job_title, `outage ${i}`);
      }
      await waitFor('both listeners listening again', async () => {
        const { rows } = await admin.query('SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = $1 AND datname = current_database()', [LISTENER_APPLICATION_NAME]);
        return rows[0].n === 2;
      });
    } finally {
      await admin.end();
    }
    await waitFor('caching again', async () => {
      await call(b, 'get_agent', { id: 'fresh@example.com', fields: ['job_title'] });
      agentReads = 0;
      counting = true;
      await call(b, 'get_agent', { id: 'fresh@example.com', fields: ['job_title'] });
      counting = false;
      return agentReads === 0;
    });
    await call(a, 'update_agent', { id: 'fresh@example.com', job_title: 'after' });
    assert.equal((await call(b, 'get_agent', { id: 'fresh@example.com', fields: ['job_title'] })).job_title, 'after');
  });
});

describe('without the triggers that notify (migration 0018 rolled back) [postgres]', async () => {
  if (!(await postgresOrSkip())) return;
  it('the nodes do not trust what they hear and read the database', async () => {
    const { store, drop } = await freshStore('postgres');
    try {
      assert.equal(await agentsNotified(store.db), true);
      await m0018.down(store.db as never);
      assert.equal(await agentsNotified(store.db), false);
      const core = createCore(store, testConfig());
      const lic = await core.transaction((tx) => bootstrap(tx, core.cascades, { region: 'dal' }));
      const app = await createApp({ store, config: testConfig(), logger: false });
      try {
        const call = async (action: string, body: unknown) =>
          JSON.parse((await app.inject({ method: 'POST', url: `/v3.5/configuration/action/${action}`, headers: { authorization: `Bearer ${lic.bearer_token}`, 'content-type': 'application/json' }, payload: JSON.stringify(body) })).body);
        await call('create_agent', { id: 'quiet@example.com', name: 'Quiet', job_title: 'before' });
        assert.equal((await call('get_agent', { id: 'quiet@example.com', fields: ['job_title'] })).job_title, 'before');
        const sql = new pg.Client({ connectionString: store.url });
        await sql.connect();
        await sql.query("UPDATE agents SET job_title = 'by hand' WHERE id = 'quiet@example.com'").finally(() => sql.end());
        assert.equal((await call('get_agent', { id: 'quiet@example.com', fields: ['job_title'] })).job_title, 'by hand');
        const listed = await call('list_agents', { fields: ['job_title'] });
        assert.equal(listed.find((x: { id: string }) => x.id === 'quiet@example.com').job_title, 'by hand');
      } finally {
        await app.close();
      }
    } finally {
      await drop();
    }
  });
});
