/**
 * The change messages between the processes of one PostgreSQL database (src/store/notify.ts), as a LISTEN client
 * sees them: a committed transaction that asked for a signal or changed a licence sends one message with its signals
 * and licence ids (ids, not data), only once it has committed; a transaction that rolls back, or that asked for
 * nothing, sends none; more licences than a message carries are sent as `*`. And two apps of one database (each its
 * own listening connection, as two nodes) hear each other's changes — signals and the licence feed — but not their own
 * twice. The listener notices a connection that went silent (its periodic check goes unanswered), not only one that
 * was reset, and listens again once the network is back.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import pg from 'pg';
import { sql } from 'kysely';
import type { FastifyInstance } from 'fastify';
import { freshStore, postgresOrSkip, testConfig } from '../support/stores.js';
import { waitFor } from '../support/webhooks.js';
import { createCore, type Core } from '../../src/core.js';
import { createApp } from '../../src/app.js';
import { bootstrap, type BootstrapResult } from '../../src/provisioning/bootstrap.js';
import { AGENTS_CHANNEL, CHANGE_CHANNEL, MAX_LICENSE_IDS, decodeChange, encodeChange, type Change } from '../../src/store/notify.js';
import { PgChangeListener } from '../../src/shared-state/pg-change-listener.js';
import { TcpProxy } from '../support/tcp-proxy.js';
import type { Store } from '../../src/store/store.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('change messages (encoding)', () => {
  it('round-trips signals and licence ids; too many licences become *; unknown payloads are refused', () => {
    const change = { signals: new Set(['credentials-changed', 'deliveries-queued'] as const), licenses: new Set([4, 42]) };
    const payload = encodeChange('node_1-A', change);
    assert.equal(payload, 'node_1-A|cd|4,42');
    assert.deepEqual(decodeChange(payload), { origin: 'node_1-A', change });
    const many = new Set(Array.from({ length: MAX_LICENSE_IDS + 1 }, (_, i) => 1_000_000_000 + i));
    assert.equal(encodeChange('o', { signals: new Set(), licenses: many }), 'o||*');
    assert.deepEqual(decodeChange('o||*'), { origin: 'o', change: { signals: new Set(), licenses: '*' } });
    assert.ok(encodeChange('o', { signals: new Set(), licenses: new Set([...many].slice(0, MAX_LICENSE_IDS)) }).length < 8000);
    assert.deepEqual(decodeChange('o|cx|'), { origin: 'o', change: { signals: new Set(['credentials-changed']), licenses: new Set() } }, "a newer build's codes are skipped");
    for (const bad of ['', 'o|c', 'o|c|1|2', "o'|c|1", 'o|c|1,x', 'o|c|-1']) assert.equal(decodeChange(bad), null, bad);
    assert.throws(() => encodeChange("o'; DROP", { signals: new Set(), licenses: new Set() }));
  });
});

describe('change messages between the processes of one database [postgres]', async () => {
  if (!(await postgresOrSkip())) return;
  let store: Store;
  let drop: () => Promise<void>;
  let core: Core;
  let listener: pg.Client;
  const heard: string[] = [];

  before(async () => {
    ({ store, drop } = await freshStore('postgres'));
    core = createCore(store, testConfig());
    listener = new pg.Client({ connectionString: store.url });
    await listener.connect();
    listener.on('notification', (m) => m.channel === CHANGE_CHANNEL && heard.push(m.payload ?? ''));
    await listener.query(`LISTEN ${CHANGE_CHANNEL}`);
  });
  after(async () => {
    await listener?.end();
    await drop?.();
  });

  /** A message of a transaction that only asks to wake delivery (no licence): messages arrive in commit order. */
  const marker = async () => {
    await core.transaction(async (tx) => tx.signal('deliveries-queued'));
    await waitFor('the marker', () => heard.some((p) => p.endsWith('|d|')), 5_000);
  };

  it('a commit sends its signals and licence once it has committed; a rollback or a transaction asking nothing sends none', async () => {
    const lic = await core.transaction((tx) => bootstrap(tx, core.cascades, { region: 'dal' }));
    await marker(); // what bootstrap sent has arrived
    heard.length = 0;
    let during = -1;
    await core.transaction(async (tx) => {
      tx.signal('credentials-changed');
      await sleep(150);
      during = heard.length;
    }, { licenseId: lic.license_id });
    assert.equal(during, 0, 'nothing heard before the commit');
    await waitFor('the message', () => heard.length === 1, 5_000);
    assert.deepEqual(decodeChange(heard[0]!), { origin: core.origin, change: { signals: new Set(['credentials-changed']), licenses: new Set([lic.license_id]) } });

    heard.length = 0;
    await assert.rejects(
      core.transaction(async (tx) => {
        tx.signal('deliveries-queued');
        throw new Error('rolled back');
      }, { licenseId: lic.license_id }),
      /rolled back/,
    );
    await core.transaction(async (tx) => void (await tx.db.selectFrom('licenses').select('id').execute()));
    await marker();
    assert.deepEqual(heard.map((p) => decodeChange(p)?.change.signals), [new Set(['deliveries-queued'])], 'only the marker');
  });

  describe('two apps of the database (two nodes)', () => {
    let a: FastifyInstance;
    let b: FastifyInstance;
    let lic: BootstrapResult;
    before(async () => {
      lic = await core.transaction((tx) => bootstrap(tx, core.cascades, { region: 'dal' }));
      a = await createApp({ store, config: testConfig({ AUTH_CACHE_TTL_MS: '600000' }), logger: false });
      b = await createApp({ store, config: testConfig({ AUTH_CACHE_TTL_MS: '600000' }), logger: false });
    });
    after(async () => {
      await a?.close();
      await b?.close();
    });

    it("hear each other's licence changes once, and their own once", async () => {
      const seenA: Array<number | '*'> = [];
      const seenB: Array<number | '*'> = [];
      const offA = a.changes.subscribe(lic.license_id, (id) => seenA.push(id));
      const offB = b.changes.subscribe('*', (id) => seenB.push(id));
      const res = await a.inject({
        method: 'POST',
        url: '/v3.5/configuration/action/create_agent',
        headers: { authorization: `Bearer ${lic.bearer_token}`, 'content-type': 'application/json' },
        payload: { id: 'feed@example.com', name: 'Feed' },
      });
      assert.equal(res.statusCode, 200, res.body);
      assert.deepEqual(seenA, [lic.license_id], 'the writing app at once');
      await waitFor('the other app', () => seenB.length >= 1, 2_000);
      await sleep(300);
      assert.deepEqual(seenB, [lic.license_id], 'the other app once');
      assert.deepEqual(seenA, [lic.license_id], 'the writing app not twice');
      offA();
      offB();
    });
  });
});

describe("the change listener's barriers [postgres]", async () => {
  if (!(await postgresOrSkip())) return;
  let store: Store;
  let drop: () => Promise<void>;
  let listener: PgChangeListener;
  const agentsHeard: Array<number | '*'> = [];
  before(async () => {
    ({ store, drop } = await freshStore('postgres'));
    const sink = { origin: 'barrier-test', changed: () => {}, stale: () => {}, agentsChanged: (id: number | '*') => void agentsHeard.push(id) };
    const log = { info: () => {}, warn: () => {} };
    listener = await new PgChangeListener(store.url, sink, log).start();
  });
  after(async () => {
    await listener?.close();
    await drop?.();
  });

  it('one barrier serves every call of a turn; a call made while one is on its way waits for the next; a commit before the call is heard first', async () => {
    const before = listener.stats.barriers;
    const first = await Promise.all(Array.from({ length: 20 }, () => listener.barrier()));
    assert.deepEqual(new Set(first), new Set([true]));
    assert.equal(listener.stats.barriers - before, 1, 'the calls of one turn share one barrier');

    const a = listener.barrier();
    await new Promise((r) => setImmediate(r)); // the barrier for a leaves at the end of that turn
    assert.equal(listener.stats.barriers - before, 2);
    // Committed now, before b's call: b must not resolve before its notification is heard (a's barrier left before it).
    await sql`SELECT pg_notify(${AGENTS_CHANNEL}, '4242')`.execute(store.db);
    const b = listener.barrier();
    assert.equal(await b, true);
    assert.ok(agentsHeard.includes(4242), 'heard before the barrier of a later call resolved');
    assert.equal(await a, true);
    assert.equal(listener.stats.barriers - before, 3, "b's own barrier, sent once a's came back");
  });

  it('answers false at once while not listening, and to waiting calls when closed', async () => {
    const closing = new PgChangeListener(store.url, { origin: 'x', changed: () => {}, stale: () => {} }, { info: () => {}, warn: () => {} });
    assert.equal(await closing.barrier(), false, 'not started: not listening');
    await closing.start();
    const waiting = closing.barrier();
    await closing.close();
    assert.equal(await waiting, false);
  });
});

describe('the change listener on a network that fails [postgres]', async () => {
  if (!(await postgresOrSkip())) return;
  let store: Store;
  let drop: () => Promise<void>;
  let proxy: TcpProxy;
  before(async () => {
    ({ store, drop } = await freshStore('postgres'));
    const target = new URL(store.url);
    proxy = await new TcpProxy(Number(target.port || 5432), target.hostname).start();
  });
  after(async () => {
    await proxy?.stop();
    await drop?.();
  });

  it('notices a connection gone silent (its check unanswered), reconnects once the network is back, logs once each way, and makes everything stale', async () => {
    const core = createCore(store, testConfig());
    const lic = await core.transaction((tx) => bootstrap(tx, core.cascades, { region: 'dal' }));
    const heard: Change[] = [];
    let stale = 0;
    const lines: string[] = [];
    const log = { info: (_: object, msg: string) => void lines.push(msg), warn: (_: object, msg: string) => void lines.push(msg) };
    const sink = { origin: 'the-listener-itself', changed: (c: Change) => void heard.push(c), stale: () => void stale++ };
    const listener = await new PgChangeListener(proxy.via(store.url), sink, log, { connectTimeoutMs: 300, heartbeatMs: 200 }).start();
    try {
      assert.equal(listener.stats.listening, true);
      assert.equal(stale, 1, 'stale once it listens: what was sent before is unknown');
      const changeLicence = () => core.transaction(async () => {}, { licenseId: lic.license_id });
      await changeLicence();
      await waitFor('a change heard', () => heard.length === 1, 5_000);
      assert.deepEqual(heard[0], { signals: new Set(), licenses: new Set([lic.license_id]) });

      proxy.freeze(); // no reset, no error: only silence
      await waitFor('the loss noticed', () => lines.includes('change signals: connection lost, reconnecting'), 3_000);
      assert.equal(listener.stats.listening, false);
      await sleep(1_000); // several attempts, each timing out on the silent network
      await proxy.restore();
      await waitFor('listening again', () => listener.stats.listening, 5_000);
      assert.deepEqual(lines, ['change signals: connection lost, reconnecting', 'change signals: listening again (cached lookups dropped)'], 'one line each way');
      assert.equal(listener.stats.reconnects, 1);
      assert.equal(stale, 2, 'stale again after the reconnection');
      await changeLicence();
      await waitFor('a change heard again', () => heard.length === 2, 5_000);
    } finally {
      await listener.close();
    }
  });
});
