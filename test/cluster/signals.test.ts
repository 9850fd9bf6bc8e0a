/**
 * Change signals between three `config-api serve` processes (nodes) on one PostgreSQL database (issue 23): a commit on
 * one node (or by the CLI, i.e. any other process of the database) reaches the others through PostgreSQL's
 * LISTEN/NOTIFY. The nodes cache token lookups for 10 minutes and poll for webhook deliveries every 10 minutes, so
 * only the signals can make them see a change within the bounds checked here: a deleted agent's token refused and a
 * licence expired (control plane, CLI) refused on every other node within 0.5 s; a delivery queued by a node that
 * then stops (SIGSTOP) delivered by another within 1 s; the listening connection terminated by PostgreSQL is opened
 * again within 5 s, logged once each way, and signals work again.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { PG_ADMIN_URL, postgresOrSkip } from '../support/stores.js';
import { withClient } from '../support/database.js';
import { adminCall, startCluster, type Cluster } from '../support/cluster.js';
import type { ServerProcess } from '../support/servers.js';
import { Receiver, waitFor } from '../support/webhooks.js';
import { bootstrap, type BootstrapResult } from '../../src/provisioning/bootstrap.js';
import { issueAccessToken } from '../../src/provisioning/credentials.js';
import { updateLicense } from '../../src/provisioning/licenses.js';
import { LISTENER_APPLICATION_NAME } from '../../src/shared-state/pg-change-listener.js';

const ADMIN_TOKEN = 'signals-admin-token-0123456789';
const NODE_ENV = {
  ADMIN_TOKEN,
  LOG_LEVEL: 'info',
  // Without signals a node would use a cached lookup for 10 minutes and look for queued deliveries every 10 minutes.
  AUTH_CACHE_TTL_MS: '600000',
  WEBHOOK_POLL_MS: '600000',
  WEBHOOK_STATS_MS: '0',
};
/** Node 0 only queues deliveries (WEBHOOK_DELIVERY=off, an API-only node); nodes 1 and 2 deliver. */
const envOf = (i: number) => (i === 0 ? { ...NODE_ENV, WEBHOOK_DELIVERY: 'off' } : NODE_ENV);

/** Poll `check` until it holds; fails unless it held within `boundMs`. Returns how long it took. */
async function within(what: string, boundMs: number, check: () => Promise<boolean>): Promise<number> {
  const t0 = performance.now();
  await waitFor(what, check, boundMs + 2_000);
  const ms = performance.now() - t0;
  assert.ok(ms <= boundMs, `${what} after ${ms.toFixed(0)} ms (bound ${boundMs} ms)`);
  return ms;
}

const admin = (node: ServerProcess, method: string, path: string, body?: unknown): Promise<any> => adminCall(node, ADMIN_TOKEN, method, path, body);

/** A Prometheus sample's value (one series, no labels). */
async function metric(node: ServerProcess, name: string): Promise<number> {
  const text = await (await fetch(`${node.base}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(`${name} `));
  return line ? Number(line.slice(name.length + 1)) : NaN;
}

describe('three nodes on one PostgreSQL database hear each other’s changes at once [postgres]', async () => {
  if (!(await postgresOrSkip())) return;
  let cluster: Cluster;
  let nodes: ServerProcess[] = [];
  const rx = new Receiver();

  before(async () => {
    await rx.start();
    cluster = await startCluster(3, envOf);
    nodes = cluster.nodes;
  });
  after(async () => {
    for (const n of nodes) n.child?.kill('SIGCONT');
    await cluster?.stop();
    await rx.stop();
  });

  /** A licence of the test's own (its owner's bearer token in `lic.bearer_token`). */
  const newLicense = (): Promise<BootstrapResult> => cluster.core.transaction((tx) => bootstrap(tx, cluster.core.cascades, { region: 'dal' }));
  /** A new agent of `lic` with an access token of its own. */
  const agentWithToken = async (lic: BootstrapResult, id: string): Promise<string> => {
    const created = await nodes[0]!.call(lic.bearer_token, 'create_agent', { id, name: 'Short-lived' });
    assert.equal(created.status, 200, JSON.stringify(created.body));
    const { bearer_token } = await cluster.core.transaction((tx) => issueAccessToken(tx, { licenseId: lic.license_id, agentId: id, scopes: 'all' }));
    return bearer_token;
  };
  /** Every node answers `token`'s call with `status` (and caches the lookup when it succeeds). */
  const allAnswer = async (token: string, status: number, from = nodes) => {
    for (const [i, node] of from.entries()) assert.equal((await node.call(token, 'list_agents')).status, status, `node ${i}`);
  };

  it('a token of an agent deleted through one node is refused by the others within 0.5 s', async () => {
    const lic = await newLicense();
    const token = await agentWithToken(lic, 'deleted@example.com');
    await allAnswer(token, 200); // cached on every node
    assert.equal((await nodes[0]!.call(lic.bearer_token, 'delete_agent', { id: 'deleted@example.com' })).status, 200);
    await Promise.all(
      [1, 2].map((i) =>
        within(`node ${i} refuses the deleted agent's token`, 500, async () => (await nodes[i]!.call(token, 'list_agents')).status === 401),
      ),
    );
  });

  it('a licence expired through one node’s control plane, or by the CLI, is refused by every node within 0.5 s', async () => {
    const lic = await newLicense();
    const token = lic.bearer_token;
    await allAnswer(token, 200);
    const past = new Date(Date.now() - 60_000).toISOString();
    await admin(nodes[0]!, 'PATCH', `/admin/licenses/${lic.license_id}`, { expires_at: past });
    const expired = async (node: ServerProcess) => (await node.call(token, 'list_agents')).body?.error?.type === 'license_expired';
    await Promise.all([1, 2].map((i) => within(`node ${i} refuses the expired licence`, 500, () => expired(nodes[i]!))));

    // Renewed, then expired again by another process of the database (what `config-api` commands are).
    await admin(nodes[1]!, 'PATCH', `/admin/licenses/${lic.license_id}`, { expires_at: null });
    await Promise.all([0, 2].map((i) => within(`node ${i} accepts the renewed licence`, 500, async () => (await nodes[i]!.call(token, 'list_agents')).status === 200)));
    await allAnswer(token, 200);
    await cluster.core.transaction((tx) => updateLicense(tx, lic.license_id, { expiresAt: past }), { licenseId: lic.license_id });
    await Promise.all(nodes.map((node, i) => within(`node ${i} refuses the licence the CLI expired`, 500, () => expired(node))));
  });

  it('a delivery queued by a node that then stops is delivered by another within 1 s (no poll)', async () => {
    const lic = await newLicense();
    const reg = await nodes[1]!.call(lic.bearer_token, 'register_webhook', {
      action: 'agent_created', url: rx.url('/signals'), secret_key: 'signals-secret', type: 'license', owner_client_id: lic.client_id,
    });
    assert.equal(reg.status, 200, JSON.stringify(reg.body));
    const id = 'queued@example.com';
    const created = await nodes[0]!.call(lic.bearer_token, 'create_agent', { id, name: 'Queued' });
    assert.equal(created.status, 200, JSON.stringify(created.body));
    // Node 0 queued the delivery (it sends none itself) and now stops answering anything: only PostgreSQL can tell.
    nodes[0]!.child!.kill('SIGSTOP');
    try {
      await within('the delivery reaches the receiver', 1_000, async () => rx.acked('/signals').some((r) => r.body.payload?.id === id));
    } finally {
      nodes[0]!.child!.kill('SIGCONT');
    }
    assert.equal(rx.on('/signals').filter((r) => r.body.payload?.id === id).length, 1, 'delivered once');
  });

  it('the listening connection, terminated by PostgreSQL, listens again within 5 s (logged once each way) and signals work again', async () => {
    const lic = await newLicense();
    const token = await agentWithToken(lic, 'after-reconnect@example.com');
    await allAnswer(token, 200);
    const lines = (node: ServerProcess, msg: string) => node.logLines().filter((l) => String(l.msg).startsWith(msg)).length;
    const lostBefore = nodes.map((n) => lines(n, 'change signals: connection lost'));
    const backBefore = nodes.map((n) => lines(n, 'change signals: listening again'));
    const database = new URL(cluster.store.url).pathname.slice(1);
    const terminated = await withClient(PG_ADMIN_URL, (c) =>
      c.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND application_name = $2', [database, LISTENER_APPLICATION_NAME]),
    );
    assert.equal(terminated.rowCount, 3, 'one listening connection per node');
    await Promise.all(
      nodes.map((node, i) => within(`node ${i} listens again`, 5_000, async () => lines(node, 'change signals: listening again') > backBefore[i]!)),
    );
    for (const [i, node] of nodes.entries()) {
      assert.ok(node.alive, `node ${i} alive`);
      assert.equal(lines(node, 'change signals: connection lost') - lostBefore[i]!, 1, `node ${i}: one line for the loss`);
      assert.equal(lines(node, 'change signals: listening again') - backBefore[i]!, 1, `node ${i}: one line for the recovery`);
      assert.ok(!node.logLines().some((l) => String(l.msg).startsWith('database unavailable')), 'no database outage');
      assert.equal(await metric(node, 'config_api_change_signals_listening'), 1);
      assert.ok((await metric(node, 'config_api_change_signals_reconnects_total')) >= 1);
    }
    assert.equal((await nodes[2]!.call(lic.bearer_token, 'delete_agent', { id: 'after-reconnect@example.com' })).status, 200);
    await Promise.all(
      [0, 1].map((i) => within(`node ${i} refuses the deleted agent's token`, 500, async () => (await nodes[i]!.call(token, 'list_agents')).status === 401)),
    );
  });
});
