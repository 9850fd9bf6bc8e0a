/**
 * `config-api serve` OS processes on one PostgreSQL database: every delivery is claimed by exactly one of them and
 * sent once, each licence's events still arrive in order, and a killed process's claim is taken over.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { freshStore, postgresOrSkip, testConfig } from '../support/stores.js';
import { spawnServer, stopServer } from '../support/servers.js';
import { Receiver, appOn, callApp, fastRetries, waitFor } from '../support/webhooks.js';
import { createCore } from '../../src/core.js';
import { bootstrap } from '../../src/provisioning/bootstrap.js';
import { installApplication } from '../../src/provisioning/applications.js';

const FAST = fastRetries({ WEBHOOK_POLL_MS: '20', WEBHOOK_CONCURRENCY: '4' });

const LICENCES = 4;
const EVENTS_PER_LICENCE = 10;

function startServer(databaseUrl: string, log: string[], env: Record<string, string> = {}): ChildProcess {
  return spawnServer(databaseUrl, log, { ...FAST, ...env });
}

describe('webhook delivery with two server processes [postgres]', async () => {
  if (!(await postgresOrSkip())) return;

  it('sends each event exactly once, in order per licence', async (t) => {
    const { store, drop } = await freshStore('postgres', 4);
    const core = createCore(store, testConfig());
    const rx = await new Receiver().start();
    const servers: ChildProcess[] = [];
    const log: string[] = [];
    // This process only makes changes: its own worker is off, so the two servers do all the sending.
    let app: Awaited<ReturnType<typeof appOn>> | undefined;
    try {
      const vendor = await core.transaction((tx) => bootstrap(tx, core.cascades, { region: 'dal' }));
      const licences = [vendor];
      for (let i = 1; i < LICENCES; i++) {
        const lic = await core.transaction((tx) => bootstrap(tx, core.cascades, { region: 'dal' }));
        await core.transaction((tx) => installApplication(tx, core.cascades, vendor.client_id, lic.license_id));
        licences.push(lic);
      }
      app = await appOn(store, { delivery: false, env: FAST });
      await callApp(app, vendor.bearer_token, 'register_webhook', {
        action: 'group_created', url: rx.url('/shared'), secret_key: 's', type: 'license', owner_client_id: vendor.client_id,
      });
      servers.push(startServer(store.url, log), startServer(store.url, log));

      const expected = new Map<number, number[]>();
      for (let n = 0; n < EVENTS_PER_LICENCE; n++) {
        for (const lic of licences) {
          const { id } = await callApp(app, lic.bearer_token, 'create_group', {
            name: `g${n}`, agent_priorities: { [lic.owner.id]: 'normal' },
          });
          expected.set(lic.license_id, [...(expected.get(lic.license_id) ?? []), id]);
        }
      }
      const total = LICENCES * EVENTS_PER_LICENCE;
      await waitFor(`${total} deliveries (server output: ${log.join('').slice(-500)})`, () => rx.acked('/shared').length >= total, 60_000);
      const rows = await waitFor('every delivery marked delivered', async () => {
        const r = await store.db.selectFrom('webhook_deliveries').selectAll().execute();
        return r.length === total && r.every((d) => d.status === 'delivered') && r;
      });
      // Claimed once each (a claim increments attempts), received once each.
      assert.deepEqual(rows.filter((d) => d.attempts !== 1), []);
      const ids = rx.on('/shared').map((r) => String(r.headers['x-webhook-delivery-id']));
      assert.equal(ids.length, total);
      assert.equal(new Set(ids).size, total);
      for (const lic of licences) {
        const got = rx.acked('/shared').filter((r) => r.body.organization_id === lic.organization_id).map((r) => r.body.payload.id);
        assert.deepEqual(got, expected.get(lic.license_id), `order of licence ${lic.license_id}`);
      }
      const byProcess = new Map<string, number>();
      for (const d of rows) byProcess.set(String(d.lease_owner), (byProcess.get(String(d.lease_owner)) ?? 0) + 1);
      t.diagnostic(`deliveries per process: ${JSON.stringify(Object.fromEntries(byProcess))}`);
    } finally {
      await Promise.all(servers.map(stopServer));
      await app?.close();
      await rx.stop();
      await drop();
    }
  });

  it('takes over the claim of a process that was killed mid-delivery once its lease expires', async () => {
    const { store, drop } = await freshStore('postgres', 4);
    const core = createCore(store, testConfig());
    const rx = await new Receiver().start();
    const log: string[] = [];
    let server: ChildProcess | undefined;
    let app: Awaited<ReturnType<typeof appOn>> | undefined;
    try {
      const lic = await core.transaction((tx) => bootstrap(tx, core.cascades, { region: 'dal' }));
      app = await appOn(store, { delivery: false, env: FAST });
      await callApp(app, lic.bearer_token, 'register_webhook', {
        action: 'agent_created', url: rx.url('/crash'), secret_key: 's', type: 'license', owner_client_id: lic.client_id,
      });
      rx.behaviour = (_p, n) => (n === 1 ? 'hang' : 200);
      server = startServer(store.url, log, { WEBHOOK_TIMEOUT_MS: '60000', WEBHOOK_LEASE_MS: '61000' });
      await callApp(app, lic.bearer_token, 'create_agent', { id: 'crash@example.com', name: 'Crash' });
      await waitFor(`the server to hold the request (server output: ${log.join('').slice(-300)})`, () => rx.hangingCount() === 1, 60_000);
      server.kill('SIGKILL');
      await stopServer(server);
      const [claimed] = await store.db.selectFrom('webhook_deliveries').selectAll().execute();
      assert.equal(claimed!.status, 'pending');
      assert.equal(claimed!.attempts, 1);
      assert.ok(claimed!.lease_owner);
      // Let the dead process's lease run out instead of waiting a minute, then start a healthy worker.
      await store.db.updateTable('webhook_deliveries').set({ lease_until: new Date(Date.now() - 1).toISOString() }).execute();
      await app.close();
      app = await appOn(store, { env: FAST });
      await waitFor('the delivery by the new process', () => rx.acked('/crash').length === 1);
      const [done] = await waitFor('delivered status', async () => {
        const r = await store.db.selectFrom('webhook_deliveries').selectAll().execute();
        return r[0]?.status === 'delivered' && r;
      });
      assert.equal(done!.attempts, 2);
      assert.notEqual(done!.lease_owner, claimed!.lease_owner);
      assert.equal(rx.acked('/crash')[0]!.body.payload.id, 'crash@example.com');
      assert.equal(rx.acked('/crash')[0]!.headers['x-webhook-attempt'], '2');
    } finally {
      if (server) await stopServer(server);
      await app?.close();
      await rx.stop();
      await drop();
    }
  });
});
