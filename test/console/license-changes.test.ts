/**
 * The licence change feed behind the console's live licence view: bursts coalesced per licence (the last change never
 * lost), and — through the real server on both stores — every path that changes a licence's configuration telling the
 * feed which licence it changed (API calls and batches, /admin/, the console's operations, installs, template bots
 * spread over installations, an application's webhooks and property definitions, the CLI's transactions), and reads
 * telling nothing; on SQLite, another process's commit on the file telling every watcher that anything may have
 * changed.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { LicenseChanges, followOtherCommits } from '../../src/shared-state/license-changes.js';
import { updateLicense } from '../../src/provisioning/licenses.js';
import { openStore } from '../../src/store/open.js';
import { createCore } from '../../src/core.js';
import { describeStores, newApp, type Harness } from '../support/harness.js';

const ADMIN = 'license-changes-admin-token-0123456789';

describe('licence change feed', () => {
  it('tells a change at once, gathers a burst into one more call, and never loses the last change', async () => {
    const feed = new LicenseChanges(50);
    const seen: Array<number | '*'> = [];
    const off = feed.subscribe(7, (id) => seen.push(id));
    feed.publish([7]);
    assert.deepEqual(seen, [7], 'the first change is told at once');
    for (let i = 0; i < 20; i++) feed.publish([7]);
    assert.deepEqual(seen, [7], 'changes within the window wait for its end');
    await sleep(80);
    assert.deepEqual(seen, [7, 7], 'one call for the burst');
    await sleep(80);
    assert.deepEqual(seen, [7, 7], 'nothing more without a change');
    feed.publish([8]);
    assert.deepEqual(seen, [7, 7], 'another licence is not told to this subscriber');
    off();
    feed.publish([7]);
    await sleep(80);
    assert.deepEqual(seen, [7, 7], 'nothing after unsubscribing');
    feed.close();
  });

  it("tells '*' subscribers every licence's changes, and everyone '*' when changes may have been missed", () => {
    const feed = new LicenseChanges(50);
    const all: Array<number | '*'> = [];
    const one: Array<number | '*'> = [];
    feed.subscribe('*', (id) => all.push(id));
    feed.subscribe(3, (id) => one.push(id));
    feed.subscribe(3, () => {
      throw new Error('a failing listener');
    });
    const errors: unknown[] = [];
    feed.onListenerError = (err) => errors.push(err);
    feed.publish([3, 4]);
    assert.deepEqual(all, [3, 4]);
    assert.deepEqual(one, [3]);
    assert.equal(errors.length, 1, 'a failing listener is reported, the others still told');
    feed.stale();
    assert.deepEqual(all, [3, 4, '*']);
    assert.deepEqual(one, [3, '*']);
    feed.close();
  });
  it("follows another process's commits through a version number: stale() each time it moves, a failing read skipped", async () => {
    let version = 1;
    let failing = false;
    let stale = 0;
    const stop = followOtherCommits(() => {
      if (failing) throw new TypeError('The database connection is not open');
      return version;
    }, () => stale++, 10);
    await sleep(40);
    assert.equal(stale, 0, 'nothing moved');
    version = 2;
    await sleep(40);
    assert.equal(stale, 1);
    failing = true;
    await sleep(40); // the store closed under the app: no exception escapes the timer
    failing = false;
    version = 3;
    await sleep(40);
    assert.equal(stale, 2);
    stop();
    version = 4;
    await sleep(40);
    assert.equal(stale, 2, 'nothing after stopping');
  });
});

describeStores('licence changes of every write path', (h) => {
  /** The licences the feed was told of while `fn` ran (and its coalescing windows closed). */
  async function changesDuring(fn: () => Promise<unknown>): Promise<number[]> {
    const seen = new Set<number>();
    const off = h().app.changes.subscribe('*', (id) => {
      if (id !== '*') seen.add(id);
    });
    try {
      await fn();
      await sleep(250);
    } finally {
      off();
    }
    return [...seen].sort();
  }
  const admin = (method: 'POST' | 'PATCH', url: string, payload: object = {}) =>
    h().app.inject({ method, url, headers: { authorization: `Bearer ${ADMIN}` }, payload }).then((res) => {
      assert.equal(res.statusCode, 200, res.body);
      return res.json();
    });

  it('API calls and batches tell their licence; reads tell nothing', async () => {
    const L = h().boot.license_id;
    const other = await h().bootstrap();
    assert.deepEqual(await changesDuring(() => h().ok('create_tag', { name: 'live-1', group_ids: [0] })), [L]);
    assert.deepEqual(
      await changesDuring(() => h().ok('batch_create_agents', { requests: [{ id: 'b1@x.com', name: 'B1' }, { id: 'b2@x.com', name: 'B2' }] })),
      [L],
    );
    assert.deepEqual(await changesDuring(() => h().ok('create_tag', { name: 'live-2', group_ids: [0] }, { token: other.bearer_token })), [other.license_id]);
    assert.deepEqual(await changesDuring(() => h().ok('list_agents', {})), []);
    assert.deepEqual(await changesDuring(async () => (await h().call('create_tag', { name: '' })).status), [], 'a refused write changes nothing');
  });

  it('/admin/ and the console operations tell the licence they change', async () => {
    const L = h().boot.license_id;
    assert.deepEqual(await changesDuring(() => admin('PATCH', `/admin/licenses/${L}`, { plan: 'team' })), [L]);
    const snap = await admin('POST', `/admin/licenses/${L}/snapshots`, { name: 's' });
    assert.deepEqual(await changesDuring(() => admin('POST', `/admin/licenses/${L}/reset`)), [L]);
    assert.deepEqual(await changesDuring(() => admin('POST', `/admin/licenses/${L}/snapshots/${snap.snapshot_id}/restore`)), [L]);
    assert.deepEqual(
      await changesDuring(() => admin('POST', `/admin/licenses/${L}/bans`, { ip: '10.1.2.3', agent_id: h().boot.owner.id })),
      [L],
    );
    assert.deepEqual(
      await changesDuring(() => admin('POST', '/admin/applications', { organization_id: h().boot.organization_id, license_id: L, name: 'Installed' })),
      [L],
      'installing an application changes the licence (its applications, its template bots)',
    );
  });

  it('the core transactions the CLI runs tell their licence', async () => {
    const L = h().boot.license_id;
    // `config-api license update` runs exactly this (src/cli/commands/license.ts), in its own process's core.
    const c = h().core;
    assert.deepEqual(await changesDuring(() => c.transaction((tx) => updateLicense(tx, L, { plan: 'enterpriseplus' }), { licenseId: L })), [L]);
  });

  it('a template change spread over installations tells every licence it reaches', async () => {
    const L = h().boot.license_id;
    const other = await h().bootstrap();
    const app = await newApp(h() as Harness, { install: [L, other.license_id] });
    const changed = await changesDuring(() => h().ok('create_bot_template', { name: 'Everywhere', owner_client_id: app, affect_existing_installations: true }));
    assert.deepEqual(changed, [L, other.license_id].sort());
  });

  it("an application's webhooks and property definitions tell every licence it is installed on", async () => {
    const L = h().boot.license_id;
    const other = await h().bootstrap();
    const app = await newApp(h() as Harness, { install: [L, other.license_id] });
    const both = [L, other.license_id].sort();
    const hook = { action: 'agent_created', url: 'https://example.com/hook', secret_key: 'k', type: 'license', owner_client_id: app };
    let id = '';
    assert.deepEqual(await changesDuring(async () => (id = (await h().ok('register_webhook', hook)).id)), both);
    assert.deepEqual(await changesDuring(() => h().ok('unregister_webhook', { id, owner_client_id: app })), both);
    const prop = { name: 'live_prop', owner_client_id: app, type: 'string', access: { license: { agent: ['read'], customer: ['read'] } } };
    assert.deepEqual(await changesDuring(() => h().ok('register_property', prop)), both);
    assert.deepEqual(await changesDuring(() => h().ok('publish_property', { name: 'live_prop', owner_client_id: app, access_type: ['read'] })), both);
  });
}, { env: { ADMIN_TOKEN: ADMIN } });

describeStores('licence changes committed by another process on the SQLite file', (h) => {
  it("tells every watcher that anything may have changed when another connection commits (the CLI's writes)", async () => {
    const L = h().boot.license_id;
    // What `config-api license update` does in its own process: its own store (connection) and core on the file.
    const cli = openStore(h().store.url);
    try {
      const cliCore = createCore(cli, h().config);
      const seen: Array<number | '*'> = [];
      const off = h().app.changes.subscribe(L, (id) => seen.push(id));
      try {
        await cliCore.transaction((tx) => updateLicense(tx, L, { plan: 'team' }), { licenseId: L });
        const t0 = Date.now();
        while (!seen.includes('*') && Date.now() - t0 < 2000) await sleep(20);
        assert.deepEqual(seen, ['*']);
        assert.ok(Date.now() - t0 < 1000, `told after ${Date.now() - t0} ms`);
        await h().ok('create_tag', { name: 'own-commit', group_ids: [0] });
        await sleep(400);
        assert.deepEqual(seen, ['*', L], "this process's own commits name their licence, and are not taken for another's");
      } finally {
        off();
      }
    } finally {
      await cli.close();
    }
  });
}, {}, ['sqlite']);
