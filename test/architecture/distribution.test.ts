/**
 * The schema keeps the promise of docs/scaling.md: the service can be distributed by licence (Citus and the like need
 * the distribution column in every primary key and unique index). On a freshly migrated database of each store,
 * every table either holds licence data — then it has `license_id`, in its primary key and in each unique index — or
 * is listed below with how it is placed instead and why. A new table fails here until it is one or the other.
 */
import { it } from 'node:test';
import assert from 'node:assert/strict';
import { describeStores } from '../support/harness.js';
import { tableKeys, type TableKeys } from '../support/schema.js';

type Placement = (
  /** Replicated to every node: organization-level data read beside any licence's, written rarely. */
  | { kind: 'reference'; reason: string }
  /** Distributed by another key, named here (it must be in the primary key). */
  | { kind: 'routed'; key: string; reason: string }
  /** Kept on the coordinator: the store's and the migrator's own bookkeeping, not licence data. */
  | { kind: 'local'; reason: string }
  /**
   * Kept on the coordinator although its rows may name a licence: a record across licences, read newest first over
   * all of them, where `license_id` is a filter (nullable: calls without a licence), not a key.
   */
  | { kind: 'log'; reason: string }
) & {
  /** The nodes' shared state (src/shared-state/): PostgreSQL only, SQLite keeps it in the process's memory. */
  postgresOnly?: true;
};

/** Every table not distributed by `license_id`, in one list (docs/scaling.md explains each). */
const NOT_BY_LICENSE: Record<string, Placement> = {
  organizations: { kind: 'reference', reason: 'organization-level; joined with licences by organization_id' },
  applications: { kind: 'reference', reason: 'organization-level: client ids, checked for every owner_client_id' },
  bot_templates: { kind: 'reference', reason: 'organization-level registrations, copied into licences as bots' },
  property_definitions: { kind: 'reference', reason: 'organization-level registry, read with every licence\'s property values' },
  webhooks: { kind: 'reference', reason: 'organization-level registrations, matched by the outbox in the licence\'s write transaction' },
  licenses: { kind: 'routed', key: 'id', reason: 'the licence row itself: distributed on its id, the licence id (co-located with its data)' },
  access_tokens: { kind: 'routed', key: 'token_hash', reason: 'looked up by token hash before the licence is known' },
  pats: { kind: 'routed', key: 'token_hash', reason: 'looked up by the PAT\'s hash (with the account id) before the licence is known' },
  counters: {
    kind: 'local',
    reason: 'named sequences: new licence ids, and per licence event sequence numbers (events:<id>), which move to a licence-scoped table before distributing',
  },
  settings: { kind: 'local', reason: 'server-wide settings (the signing key id, the health probe\'s write)' },
  kysely_migration: { kind: 'local', reason: 'the migrator\'s record of applied migrations' },
  rate_limit_counters: { kind: 'routed', key: 'key', postgresOnly: true, reason: 'one upsert per limited request, by its key (a hashed credential or an address) before any licence is known' },
  auth_failures: { kind: 'routed', key: 'address', postgresOnly: true, reason: 'failed authentications per client address: a failure has no licence' },
  fault_rules: { kind: 'local', postgresOnly: true, reason: 'the control plane\'s few test rules, read whole by every node' },
  console_sessions: { kind: 'local', postgresOnly: true, reason: 'operators\' console sessions, by token digest: not licence data' },
  request_journal: { kind: 'log', postgresOnly: true, reason: 'recent API calls of every licence (and of none), newest first across all of them, in the order the nodes wrote them' },
  kysely_migration_lock: { kind: 'local', reason: 'the migrator\'s lock' },
};

const includesLicense = (columns: readonly string[]) => columns.includes('license_id');

/** What is wrong with the table, or [] when it keeps the promise. */
function problems(t: TableKeys): string[] {
  const placed = NOT_BY_LICENSE[t.table];
  const out: string[] = [];
  if (placed) {
    if (placed.kind === 'routed' && !t.primaryKey.includes(placed.key)) {
      out.push(`routed by ${placed.key}, which is not in its primary key (${t.primaryKey.join(', ')})`);
    }
    if ((placed.kind === 'reference' || placed.kind === 'local') && includesLicense(t.columns)) {
      out.push(`listed as ${placed.kind} but holds licence data (license_id): distribute it by licence instead`);
    }
    return out;
  }
  if (!includesLicense(t.columns)) {
    return ['has no license_id and is not listed in NOT_BY_LICENSE (reference, routed by another key, or local, with the reason)'];
  }
  if (!includesLicense(t.primaryKey)) out.push(`primary key (${t.primaryKey.join(', ') || 'none'}) lacks license_id`);
  for (const u of t.unique) {
    if (!includesLicense(u.columns)) out.push(`unique index ${u.name} (${u.columns.join(', ')}) lacks license_id`);
  }
  return out;
}

describeStores('distribution by licence: the schema', (h) => {
  it('every licence-scoped table has license_id in its primary key and unique indexes; the others are listed', async () => {
    const tables = await tableKeys(h().store);
    const found = tables.flatMap((t) => problems(t).map((p) => `${t.table}: ${p}`));
    assert.deepEqual(found, []);
    const names = new Set(tables.map((t) => t.table));
    const expected = Object.entries(NOT_BY_LICENSE).filter(([, p]) => !p.postgresOnly || h().store.dialect === 'postgres');
    assert.deepEqual(expected.filter(([t]) => !names.has(t)).map(([t]) => t), [], 'listed tables that do not exist');
    if (h().store.dialect === 'sqlite') {
      const onlyPg = Object.entries(NOT_BY_LICENSE).filter(([t, p]) => p.postgresOnly && names.has(t)).map(([t]) => t);
      assert.deepEqual(onlyPg, [], 'the shared state lives in memory with SQLite: no tables for it');
    }
    // The check has something to check: licence data lives in many tables.
    assert.ok(tables.filter((t) => !NOT_BY_LICENSE[t.table]).length >= 20);
  });

  it('reports a licence-scoped table whose key lacks license_id, and an unlisted table without it', () => {
    assert.deepEqual(
      problems({ table: 'x', columns: ['license_id', 'id', 'ref'], primaryKey: ['id'], unique: [{ name: 'x_ref', columns: ['ref'] }] }),
      ['primary key (id) lacks license_id', 'unique index x_ref (ref) lacks license_id'],
    );
    assert.equal(problems({ table: 'y', columns: ['id'], primaryKey: ['id'], unique: [] }).length, 1);
    assert.equal(problems({ table: 'settings', columns: ['key', 'license_id'], primaryKey: ['key'], unique: [] }).length, 1);
    assert.equal(problems({ table: 'pats', columns: ['token_hash'], primaryKey: ['account_id'], unique: [] }).length, 1);
  });
});
