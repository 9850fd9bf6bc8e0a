/**
 * The migration that puts `license_id` into the keys of licence-scoped tables (test/architecture/distribution.test.ts)
 * upgrades a database holding rows of the old shape without losing any: on SQLite it rebuilds the tables (create,
 * copy, drop, rename, indexes), on PostgreSQL it replaces the constraints. Defaults, foreign keys and the other
 * indexes survive, the new keys refuse duplicates, and the migration can be reverted.
 */
import { it } from 'node:test';
import assert from 'node:assert/strict';
import { Migrator, type Kysely } from 'kysely';
import { openStore } from '../../src/store/open.js';
import type { Store } from '../../src/store/store.js';
import { migrations } from '../../src/store/migrations/index.js';
import { describeStores } from '../support/harness.js';
import { freshDatabase } from '../support/stores.js';
import { createdIndexes, tableKeys, type TableKeys } from '../support/schema.js';

const MIGRATION = '0013_license_keys';
const CHANGED = ['agents', 'unsuspension_requests', 'admin_snapshots', 'webhook_events', 'webhook_deliveries', 'webhook_delivery_attempts'];
const AT = '2024-05-01T10:00:00.000Z';
const LICENSES = [100000001, 100000002];

/** Rows of the old shape: two licences, each with agents (one id in both, as template bots), requests, snapshots, history. */
async function seedOldShape(db: Kysely<any>): Promise<void> {
  await db.insertInto('organizations').values({ id: 'org-1', name: 'Org', created_at: AT }).execute();
  for (const [n, license_id] of LICENSES.entries()) {
    await db.insertInto('licenses').values({
      id: license_id, organization_id: 'org-1', region: 'dal', plan: 'enterprise', expires_at: null, source_id: 's',
      source_type: 'cli', source_url: '', next_group_id: 1, created_at: AT,
    }).execute();
    const agent = (id: string, i: number) => ({
      license_id, id, account_id: `acc-${n}-${i}`, type: i === 2 ? 'bot' : 'agent', name: `Agent ${i}`, avatar: null,
      role: i === 0 ? 'owner' : 'normal', login_status: 'accepting chats', job_title: i === 1 ? 'Support' : null, mobile: null,
      max_chats_count: 6, awaiting_approval: 0, suspended: i, notifications: '[]', email_subscriptions: '[]', work_scheduler: null,
      last_logout: null, default_group_priority: null, timezone: null, owner_client_id: null, secret_hash: null, created_via: null,
      created_at: AT, updated_at: AT,
    });
    await db.insertInto('agents').values([agent(`owner${n}@example.com`, 0), agent(`a${n}@example.com`, 1), agent('0123456789abcdef0123456789abcdef', 2)]).execute();
    await db.insertInto('unsuspension_requests').values({ id: `ur-${n}`, license_id, agent_id: `a${n}@example.com`, recipients: '["owner"]', requested_at: AT }).execute();
    await db.insertInto('admin_snapshots').values({ id: `snap-b-${n}`, license_id, kind: 'bootstrap', name: null, data: '{"version":1}', created_at: AT }).execute();
    // The default kind (one row at a time: SQLite has no DEFAULT in a multi-row VALUES, Kysely writes NULL there).
    await db.insertInto('admin_snapshots').values({ id: `snap-u-${n}`, license_id, name: 'fixtures', data: '{"version":1,"tables":{}}', created_at: AT }).execute();
    for (const e of [1, 2]) {
      const event = `ev-${n}-${e}`;
      await db.insertInto('webhook_events').values({
        id: event, seq: e, license_id, organization_id: 'org-1', action: 'agent_updated', payload: `{"id":"a${n}","n":${e}}`,
        source_client_id: e === 1 ? null : 'client-1', created_at: AT,
      }).execute();
      for (const w of ['wh-1', 'wh-2']) {
        const id = `del-${n}-${e}-${w}`;
        await db.insertInto('webhook_deliveries').values({
          id, webhook_id: w, event_id: event, license_id, event_seq: e, status: e === 1 ? 'delivered' : 'pending', attempts: e,
          next_attempt_at: AT, lease_owner: e === 2 ? 'host:1:ab' : null, lease_until: e === 2 ? AT : null, last_error: e === 2 ? 'HTTP 500' : null,
          last_status: e === 2 ? 500 : 200, created_at: AT, retried_at: null, updated_at: AT, delivered_at: e === 1 ? AT : null,
        }).execute();
        await db.insertInto('webhook_delivery_attempts').values({
          id: `att-${id}`, delivery_id: id, license_id, attempt: 1, started_at: AT, duration_ms: 12, status: e === 1 ? 200 : null,
          error: e === 1 ? null : 'connect ECONNREFUSED', worker: 'host:1:ab',
        }).execute();
      }
    }
  }
}

/** Every row of the changed tables, in a stable order. */
async function dump(store: Store): Promise<Record<string, unknown[]>> {
  const db = store.db as unknown as Kysely<any>;
  const out: Record<string, unknown[]> = {};
  for (const table of CHANGED) {
    const rows = await db.selectFrom(table).selectAll().execute();
    out[table] = rows.sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));
  }
  return out;
}

/** Keys without the names SQLite gives its constraint indexes (numbered in declaration order). */
const keyShape = (tables: TableKeys[]) =>
  tables.map((t) => ({ ...t, unique: t.unique.map((u) => u.columns.join(',')).sort() }));

describeStores('distribution by licence: upgrading a database (migration 0013)', (h) => {
  it('keeps every row, default, foreign key and index; the new keys hold; it can be reverted', async () => {
    const fresh = await freshDatabase(h().kind);
    const store = openStore(fresh.url, { poolSize: 2 });
    try {
      const names = Object.keys(migrations);
      const previous = names[names.indexOf(MIGRATION) - 1]!;
      const migrator = new Migrator({ db: store.db, provider: { getMigrations: async () => migrations } });
      assert.equal((await migrator.migrateTo(previous)).error, undefined);
      const db = store.db as unknown as Kysely<any>;
      await seedOldShape(db);
      const rows = await dump(store);
      assert.equal(rows.webhook_deliveries!.length, 8);
      const oldKeys = await tableKeys(store);
      const indexes = await createdIndexes(store);

      assert.equal((await migrator.migrateTo(MIGRATION)).error, undefined);
      assert.deepEqual(await dump(store), rows, 'every row as it was');
      assert.deepEqual(await createdIndexes(store), indexes, 'the other indexes as they were');
      const keys = new Map((await tableKeys(store)).map((t) => [t.table, t]));
      const unique = (t: string) => keys.get(t)!.unique.map((u) => u.columns.join(',')).sort();
      assert.deepEqual(keys.get('unsuspension_requests')!.primaryKey, ['license_id', 'id']);
      assert.deepEqual(keys.get('admin_snapshots')!.primaryKey, ['license_id', 'id']);
      assert.deepEqual(keys.get('webhook_events')!.primaryKey, ['id', 'license_id']);
      assert.deepEqual(keys.get('webhook_deliveries')!.primaryKey, ['id', 'license_id']);
      assert.deepEqual(keys.get('webhook_delivery_attempts')!.primaryKey, ['id', 'license_id']);
      assert.deepEqual(keys.get('agents')!.primaryKey, ['license_id', 'id']);
      assert.deepEqual(unique('agents'), ['license_id,account_id', 'license_id,lower(id)'].map((k) => (h().kind === 'sqlite' ? k.replace('lower(id)', '<expression>') : k)).sort());
      assert.deepEqual(unique('webhook_deliveries'), ['event_id,webhook_id,license_id']);
      for (const t of oldKeys.filter((t) => !CHANGED.includes(t.table))) assert.deepEqual(keys.get(t.table), t, `${t.table} unchanged`);
      for (const t of CHANGED) assert.deepEqual(keys.get(t)!.columns, oldKeys.find((o) => o.table === t)!.columns, `${t}: same columns`);

      // The keys refuse duplicates within a licence; a default and a foreign key of the rebuilt tables still apply.
      const [first] = rows.webhook_deliveries as Array<Record<string, unknown>>;
      await assert.rejects(db.insertInto('webhook_deliveries').values({ ...first, id: 'del-again' }).execute(), 'same event and webhook');
      await assert.rejects(db.insertInto('webhook_events').values({ ...(rows.webhook_events![0] as object) }).execute(), 'same event id');
      await assert.rejects(
        db.insertInto('agents').values({ ...(rows.agents![0] as Record<string, unknown>), id: 'other@example.com' }).execute(),
        'same account id in the licence',
      );
      await db.insertInto('admin_snapshots').values({ id: 'snap-new', license_id: LICENSES[0], name: null, data: '{}', created_at: AT }).execute();
      assert.equal((await db.selectFrom('admin_snapshots').select('kind').where('id', '=', 'snap-new').executeTakeFirstOrThrow()).kind, 'user');
      await assert.rejects(
        db.insertInto('agents').values({ ...(rows.agents![0] as Record<string, unknown>), license_id: 999, account_id: 'acc-x' }).execute(),
        'agents.license_id still references licenses',
      );
      await db.deleteFrom('admin_snapshots').where('id', '=', 'snap-new').execute();

      const down = await migrator.migrateTo(previous);
      assert.equal(down.error, undefined);
      assert.deepEqual(await dump(store), rows, 'reverted: every row as it was');
      assert.deepEqual(keyShape(await tableKeys(store)), keyShape(oldKeys), 'reverted: the old keys');
      assert.deepEqual(await createdIndexes(store), indexes);
      assert.equal((await migrator.migrateToLatest()).error, undefined);
      // Every row as it was, with what later migrations add (0014: bots' type, `chatbot` for the bots made before;
      // 0017: events' requester, none for the events recorded before).
      const later = {
        ...rows,
        agents: rows.agents!.map((a: any) => ({ ...a, bot_type: a.type === 'bot' ? 'chatbot' : null })),
        webhook_events: rows.webhook_events!.map((e: any) => ({ ...e, requester: null })),
      };
      assert.deepEqual(await dump(store), later);
    } finally {
      await store.close();
      await fresh.drop();
    }
  });
});
