/**
 * get_agent and list_agents answers may be served from a cache (SQLite): they must never be stale, whoever wrote
 * the change.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { describeStores, expectError } from '../support/harness.js';
import { sql } from 'kysely';
import { openStore } from '../../src/store/open.js';
import type { Store } from '../../src/store/store.js';
import { freshStore } from '../support/stores.js';
import { ReadCaches } from '../../src/kernel/read-cache.js';
import { RawJson } from '../../src/kernel/raw-json.js';
import { nextCounter } from '../../src/store/own-tables.js';

describeStores('get_agent / list_agents read cache', (h) => {
  const ids = (list: { id: string }[]) => list.map((a) => a.id);
  /** Rename an agent through another connection (as the CLI or another process would), outside the API. */
  async function renameElsewhere(licenseId: number, id: string, name: string): Promise<void> {
    const other = openStore(h().store.url, { poolSize: 1 });
    try {
      await other.db.updateTable('agents').set({ name }).where('license_id', '=', licenseId).where('id', '=', id).execute();
    } finally {
      await other.close();
    }
  }
  /** A licence of the test's own, with the agent cache1@example.com. */
  async function licenceWithAgent() {
    const lic = await h().bootstrap();
    const o = { token: lic.bearer_token };
    await h().ok('create_agent', { id: 'cache1@example.com', name: 'Cache One', job_title: 'Tester' }, o);
    return { lic, o };
  }

  it('repeated lists are equal, and a write through the API shows at once', async () => {
    const lic = await h().bootstrap();
    const o = { token: lic.bearer_token };
    const first = await h().ok('list_agents', { fields: ['groups', 'job_title'] }, o);
    assert.deepEqual(await h().ok('list_agents', { fields: ['groups', 'job_title'] }, o), first);
    await h().ok('create_agent', { id: 'cache1@example.com', name: 'Cache One', job_title: 'Tester' }, o);
    const after = await h().ok('list_agents', { fields: ['groups', 'job_title'] }, o);
    assert.deepEqual(ids(after), [...ids(first), 'cache1@example.com']);
    assert.equal(after.at(-1).job_title, 'Tester');
    await h().ok('update_agent', { id: 'cache1@example.com', job_title: 'Lead', groups: [{ id: 0, priority: 'first' }] }, o);
    const updated = (await h().ok('list_agents', { fields: ['groups', 'job_title'] }, o)).at(-1);
    assert.equal(updated.job_title, 'Lead');
    assert.deepEqual(updated.groups, [{ id: 0, priority: 'first' }]);
  });

  it('requests with different fields or filters get their own answers', async () => {
    const { o } = await licenceWithAgent();
    const plain = await h().ok('list_agents', {}, o);
    const withFields = await h().ok('list_agents', { fields: ['max_chats_count'] }, o);
    assert.equal(plain[0].max_chats_count, undefined);
    assert.equal(typeof withFields[0].max_chats_count, 'number');
    await h().ok('suspend_agent', { id: 'cache1@example.com' }, o);
    assert.deepEqual(ids(await h().ok('list_agents', { filters: { suspended: true } }, o)), ['cache1@example.com']);
    assert.ok(!ids(await h().ok('list_agents', { filters: { suspended: false } }, o)).includes('cache1@example.com'));
    await h().ok('unsuspend_agent', { id: 'cache1@example.com' }, o);
    assert.deepEqual(ids(await h().ok('list_agents', { filters: { suspended: true } }, o)), []);
  });

  it('a change committed by another connection (e.g. the CLI) shows at once', async () => {
    const { lic, o } = await licenceWithAgent();
    await h().ok('list_agents', {}, o);
    await renameElsewhere(lic.license_id, 'cache1@example.com', 'Renamed Elsewhere');
    const list = await h().ok('list_agents', {}, o);
    assert.equal(list.find((a: { id: string }) => a.id === 'cache1@example.com').name, 'Renamed Elsewhere');
  });

  it('a write through the same connection outside the API (UPDATE … RETURNING, no transaction) shows at once', async () => {
    const { lic, o } = await licenceWithAgent();
    await h().ok('list_agents', {}, o);
    await h().ok('get_agent', { id: 'cache1@example.com' }, o);
    const updated = await h()
      .store.db.updateTable('agents')
      .set({ name: 'Renamed Here' })
      .where('license_id', '=', lic.license_id)
      .where('id', '=', 'cache1@example.com')
      .returning('id')
      .execute();
    assert.equal(updated.length, 1);
    const list = await h().ok('list_agents', {}, o);
    assert.equal(list.find((a: { id: string }) => a.id === 'cache1@example.com').name, 'Renamed Here');
    assert.equal((await h().ok('get_agent', { id: 'cache1@example.com' }, o)).name, 'Renamed Here');
  });

  it('each licence sees only its own agents', async () => {
    const { o } = await licenceWithAgent();
    const other = await h().bootstrap();
    const mine = await h().ok('list_agents', {}, o);
    const theirs = await h().ok('list_agents', {}, { token: other.bearer_token });
    assert.deepEqual(ids(theirs), [other.owner.id]);
    assert.ok(ids(mine).includes('cache1@example.com'));
    assert.ok(!ids(mine).includes(other.owner.id));
  });

  it('get_agent follows creates, updates, deletes and changes made elsewhere', async () => {
    expectError(await h().call('get_agent', { id: 'cache2@example.com' }), 'not_found', 404);
    await h().ok('create_agent', { id: 'cache2@example.com', name: 'Two', mobile: '+1 555' });
    const plain = await h().ok('get_agent', { id: 'cache2@example.com' });
    assert.deepEqual(await h().ok('get_agent', { id: 'cache2@example.com' }), plain);
    assert.equal(plain.mobile, undefined);
    const withFields = await h().ok('get_agent', { id: 'cache2@example.com', fields: ['mobile', 'groups'] });
    assert.equal(withFields.mobile, '+1 555');
    assert.deepEqual(withFields.groups, []);
    await h().ok('update_agent', { id: 'cache2@example.com', mobile: '+1 556', groups: [{ id: 0, priority: 'last' }] });
    const updated = await h().ok('get_agent', { id: 'cache2@example.com', fields: ['groups', 'mobile'] });
    assert.equal(updated.mobile, '+1 556');
    assert.deepEqual(updated.groups, [{ id: 0, priority: 'last' }]);
    await renameElsewhere(h().boot.license_id, 'cache2@example.com', 'Two Renamed');
    assert.equal((await h().ok('get_agent', { id: 'cache2@example.com' })).name, 'Two Renamed');
    await h().ok('delete_agent', { id: 'cache2@example.com' });
    expectError(await h().call('get_agent', { id: 'cache2@example.com' }), 'not_found', 404);
  });

  it('get_agent of another licence is refused whatever was cached', async () => {
    await h().ok('get_agent', { id: h().boot.owner.id });
    const other = await h().bootstrap();
    expectError(await h().call('get_agent', { id: h().boot.owner.id }, { token: other.bearer_token }), 'not_found', 404);
  });
});

describeStores('list_agents cache on PostgreSQL (licenses.agents_version)', (h) => {
  const nameOf = (list: { id: string; name: string }[], id: string) => list.find((a) => a.id === id)?.name;

  it('serves repeated lists from the cache until the licence agents_version moves', async () => {
    const id = h().boot.owner.id;
    await h().ok('list_agents', {});
    // A write with triggers disabled does not bump agents_version: the cached answer (old name) is still served,
    // which shows the list came from the cache and that nothing but the version decides.
    const other = openStore(h().store.url, { poolSize: 1 });
    try {
      await other.db.connection().execute(async (c) => {
        await sql`SET session_replication_role = replica`.execute(c);
        await c.updateTable('agents').set({ name: 'Silent Rename' }).where('id', '=', id).execute();
        await sql`SET session_replication_role = origin`.execute(c);
      });
      assert.notEqual(nameOf(await h().ok('list_agents', {}), id), 'Silent Rename');
      // Any write to the licence's agents or memberships, by anyone, bumps it (statement triggers).
      const before = await versionOf(other);
      await other.db.deleteFrom('group_members').where('license_id', '=', h().boot.license_id).where('agent_id', '=', 'nobody').execute();
      assert.equal(await versionOf(other), before, 'a statement that changes no row does not bump');
      await other.db.updateTable('agents').set({ name: 'Loud Rename' }).where('id', '=', id).execute();
      assert.equal(await versionOf(other), before + 1);
      assert.equal(nameOf(await h().ok('list_agents', {}), id), 'Loud Rename');
      await h().ok('update_agent', { id, groups: [{ id: 0, priority: 'first' }] });
      const withGroups = await h().ok('list_agents', { fields: ['groups'] });
      await other.db.deleteFrom('group_members').where('license_id', '=', h().boot.license_id).where('agent_id', '=', id).execute();
      assert.ok(await versionOf(other) > before + 1);
      const after = await h().ok('list_agents', { fields: ['groups'] });
      assert.deepEqual(withGroups.find((a: { id: string }) => a.id === id).groups, [{ id: 0, priority: 'first' }]);
      assert.deepEqual(after.find((a: { id: string }) => a.id === id).groups, []);
    } finally {
      await other.close();
    }
  });

  async function versionOf(store: Store): Promise<number> {
    const row = await store.db.selectFrom('licenses').select('agents_version').where('id', '=', h().boot.license_id).executeTakeFirstOrThrow();
    return Number(row.agents_version);
  }
}, {}, ['postgres']); // SQLite keys its cache on PRAGMA data_version (tests above)

describe('SQLite change token: one reading per event-loop turn', () => {
  it('reads asking in one turn share one reading taken after all asked; a commit by another connection shows in the next turn', async () => {
    const { store, drop } = await freshStore('sqlite');
    try {
      const original = store.changeToken!;
      let readings = 0;
      store.changeToken = () => (readings++, original());
      const caches = new ReadCaches(store);
      const spec = { key: () => 'k', limits: { entries: 4, bytes: 1 << 20 } };
      let computed = 0;
      const compute = async () => ({ n: (computed += 1) });
      const turn = () => Promise.all(Array.from({ length: 10 }, () => caches.run('probe', spec, 1, {}, compute)));
      await caches.run('probe', spec, 1, {}, compute); // computed and cached
      readings = 0;
      const hits = await turn();
      assert.equal(readings, 1, 'ten reads of one turn, one reading');
      assert.equal(computed, 1, 'all served from the cache');
      assert.ok(hits.every((a) => (a as RawJson).body.toString() === '{"n":1}'));
      // Another connection commits: the next reads, in a later turn, see it.
      const other = openStore(store.url, { poolSize: 1 });
      try {
        await nextCounter(other.db, 'elsewhere');
      } finally {
        await other.close();
      }
      const after = await turn();
      assert.ok(computed > 1, 'computed again after the commit');
      assert.ok(after.every((a) => (a as RawJson).body.toString() !== '{"n":1}'), 'no answer from before the commit');
      // A reading that fails fails every read waiting for it.
      store.changeToken = () => {
        throw new Error('The database connection is not open');
      };
      const failed = await Promise.allSettled([caches.run('probe', spec, 1, {}, compute), caches.run('probe', spec, 1, {}, compute)]);
      assert.deepEqual(failed.map((r) => r.status), ['rejected', 'rejected']);
    } finally {
      await drop();
    }
  });
});
