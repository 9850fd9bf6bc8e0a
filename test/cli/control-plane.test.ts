/**
 * The CLI offers the control plane's licence and delivery operations through the same functions: run as its own
 * process on the harness database (file SQLite and PostgreSQL), checked through the API.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Harness, describeStores, expectError } from '../support/harness.js';
import { cliJson as runCli } from '../support/cli.js';
import { waitFor } from '../support/webhooks.js';

describeStores('control plane operations in the CLI', (h) => {
  it('resets, snapshots, restores and updates a licence', async () => {
    const b = await h().bootstrap();
    const api = (action: string, body: unknown) => h().ok(action, body, { token: b.bearer_token });
    await api('create_agent', { id: 'cli-fixture@example.com', name: 'Fixture' });
    const snap = await runCli(h(), ['license', 'snapshot', '--license', String(b.license_id), '--name', 'fixtures']);
    assert.equal(snap.code, 0);
    assert.match(snap.json.snapshot_id, /^[0-9a-f-]{36}$/);

    const reset = await runCli(h(), ['license', 'reset', '--license', String(b.license_id)]);
    assert.equal(reset.code, 0);
    assert.deepEqual(reset.json.owner, b.owner);
    assert.deepEqual((await api('list_agents', {})).map((a: any) => a.id), [b.owner.id]);

    const restored = await runCli(h(), ['license', 'restore', '--license', String(b.license_id), '--snapshot', snap.json.snapshot_id]);
    assert.deepEqual(restored, { code: 0, json: { license_id: b.license_id, snapshot_id: snap.json.snapshot_id } });
    assert.deepEqual((await api('list_agents', {})).map((a: any) => a.id).sort(), ['cli-fixture@example.com', b.owner.id].sort());

    const updated = await runCli(h(), ['license', 'update', '--license', String(b.license_id), '--expires-at', '2001-01-01T00:00:00Z', '--plan', 'team']);
    assert.equal(updated.code, 0);
    assert.equal(updated.json.plan, 'team');
    expectError(await h().call('list_agents', {}, { token: b.bearer_token }), 'license_expired', 402);
  });
});

describe('a SQLite server notices the CLI\'s commits on its database file', () => {
  // Token lookups cached for a minute: only noticing the other process's commit can end them sooner.
  const h = new Harness('sqlite');
  before(() => h.start({ env: { AUTH_CACHE_TTL_MS: '60000' } }));
  after(() => h.stop());

  it('refuses within a second a token whose licence the CLI expired, although its lookup is cached', async () => {
    const b = await h.bootstrap();
    assert.equal((await h.call('list_agents', {}, { token: b.bearer_token })).status, 200); // now cached
    const t0 = Date.now();
    const updated = await runCli(h, ['license', 'update', '--license', String(b.license_id), '--expires-at', '2001-01-01T00:00:00Z']);
    assert.equal(updated.code, 0);
    const exited = Date.now();
    await waitFor('the expired licence refused', async () => (await h.call('list_agents', {}, { token: b.bearer_token })).status === 402, 5_000);
    const ms = Date.now() - exited;
    assert.ok(ms < 1000, `refused ${ms} ms after the CLI exited (${exited - t0} ms run)`);
    expectError(await h.call('list_agents', {}, { token: b.bearer_token }), 'license_expired', 402);
  });
});
