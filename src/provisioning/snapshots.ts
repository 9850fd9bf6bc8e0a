/**
 * A licence's configuration as a whole, for the control plane and the CLI: reset it to its bootstrapped state,
 * save it as a snapshot, restore a snapshot. What is covered (docs/decisions.md):
 * - the licence's configuration: agents and bots, groups, memberships, tags, auto access rules, channel activity,
 *   property values, webhook licence states, unsuspension requests, greetings (and the last greeting id), customer
 *   bans, e-mail bounces, company details, and the licence's next group id;
 * - its organization's registrations (webhooks, property definitions, bot templates) when the licence is the
 *   organization's only one (the bootstrap model: one organization per licence) — otherwise they are other
 *   licences' configuration too and are left alone;
 * - webhook history (events and deliveries) is cleared by reset and restore, never saved;
 * - credentials (access tokens, PATs) are never removed: a snapshot saves the licence's credentials and a restore
 *   puts back those removed since (e.g. with their agent), so tokens minted for fixtures work after every restore;
 * - kept as they are: the organization, the licence row (plan, expiry, region), applications and installations.
 * `bootstrap` (bootstrap.ts) saves the state it creates as the licence's 'bootstrap' snapshot: reset restores it (licences
 * created before that existed are reset to their first agent as owner, with default settings, and General).
 * Each operation runs in the caller's transaction, which should hold the licence lock (`core.transaction(fn,
 * { licenseId })`); reset and restore ask for `credentials-changed` so cached token lookups are dropped.
 * Tables are listed here rather than in each area: the operation is about all of them at once, and a table missing
 * from these lists fails the test that compares them with the schema (test/admin/control-plane.test.ts). This is the
 * one module that reads and writes other owners' tables (generically, by name); the licence row, the agents and the
 * groups it rebuilds go through their owners' functions.
 */
import { sql, type Kysely } from 'kysely';
import { ApiError } from '../kernel/errors.js';
import { uuid } from '../kernel/crypto.js';
import type { Tx } from '../store/transaction.js';
import { nowIso, type Queryable } from '../store/store.js';
import type {} from '../store/schema.js';
import { nextGroupIdOf, organizationOf, setNextGroupId } from '../tenancy/licenses.js';
import { insertAgentRows, newAgentRow, oldestAgent } from '../agents/repo.js';
import { addAgentGroups, createGeneralGroup } from '../groups/repo.js';

/** Tables holding one licence's configuration (column `license_id`), in insertion order. */
export const LICENSE_TABLES = [
  'agents',
  'groups',
  'group_members',
  'tags',
  'tag_groups',
  'auto_accesses',
  'channels',
  'property_values',
  'webhook_license_states',
  'unsuspension_requests',
  'greetings',
  'greeting_counters',
  'customer_bans',
  'email_bounces',
  'company_details',
] as const;
/** Registrations of the licence's organization (column `organization_id`), covered for single-licence organizations. */
export const ORGANIZATION_TABLES = ['webhooks', 'property_definitions', 'bot_templates'] as const;
/** History of the licence: cleared by reset and restore, never saved. */
export const HISTORY_TABLES = ['webhook_delivery_attempts', 'webhook_deliveries', 'webhook_events'] as const;
/** Credentials of the licence (column `license_id`, key `token_hash`): saved, put back, never removed. */
export const CREDENTIAL_TABLES = ['access_tokens', 'pats'] as const;
/** Tables deliberately left alone (tenancy, bookkeeping, what the nodes share: src/shared-state/). */
export const KEPT_TABLES = [
  'organizations',
  'licenses',
  'applications',
  'installations',
  'counters',
  'settings',
  'admin_snapshots',
  'rate_limit_counters',
  'auth_failures',
  'fault_rules',
  'request_journal',
  'console_sessions',
] as const;

type Row = Record<string, unknown>;
interface SnapshotData {
  version: 1;
  license: { next_group_id: number };
  organizationScope: boolean;
  tables: Record<string, Row[]>;
}

declare module '../store/schema.js' {
  interface Database {
    admin_snapshots: { id: string; license_id: number; kind: string; name: string | null; data: string; created_at: string };
  }
}

const loose = (db: Queryable) => db as unknown as Kysely<any>;

/** The licence's organization, and whether the licence is its only one (one query). */
async function scopeOf(db: Queryable, licenseId: number): Promise<Scope> {
  const org = await organizationOf(db, licenseId);
  if (!org) throw new ApiError('not_found', `Licence ${licenseId} not found`);
  return { organizationId: org.organizationId, organizationScope: org.licenses === 1 };
}

interface Scope {
  organizationId: string;
  organizationScope: boolean;
}

interface Ctx extends Scope {
  tx: Tx;
  trx: Queryable;
  licenseId: number;
}

/** Delete everything reset and restore replace (PostgreSQL: one statement, each table a data-modifying CTE). */
async function clear(c: Ctx, organizationToo: boolean): Promise<void> {
  const targets: Array<[string, 'license_id' | 'organization_id', number | string]> = [
    ...[...HISTORY_TABLES, ...[...LICENSE_TABLES].reverse()].map((t) => [t, 'license_id', c.licenseId] as [string, 'license_id', number]),
    ...(organizationToo ? ORGANIZATION_TABLES.map((t) => [t, 'organization_id', c.organizationId] as [string, 'organization_id', string]) : []),
  ];
  if (c.tx.dialect === 'postgres') {
    const ctes = targets.map(([t, col, v], i) => sql`${sql.raw(`d${i}`)} AS (DELETE FROM ${sql.table(t)} WHERE ${sql.ref(col)} = ${v})`);
    await sql`WITH ${sql.join(ctes)} SELECT 1`.execute(c.trx);
    return;
  }
  const db = loose(c.trx);
  for (const [t, col, v] of targets) await db.deleteFrom(t).where(col, '=', v).execute();
}

async function insertRows(trx: Queryable, table: string, rows: Row[], ignoreExisting = false): Promise<void> {
  // Bounded statements: SQLite allows 32766 parameters, PostgreSQL 65535.
  for (let i = 0; i < rows.length; i += 200) {
    const q = loose(trx).insertInto(table).values(rows.slice(i, i + 200));
    await (ignoreExisting ? q.onConflict((oc) => oc.doNothing()) : q).execute();
  }
}

async function ctxOf(tx: Tx, licenseId: number): Promise<Ctx> {
  return { tx, trx: tx.db, licenseId, ...(await scopeOf(tx.db, licenseId)) };
}

async function capture(c: Ctx): Promise<SnapshotData> {
  const { trx, licenseId, organizationId, organizationScope } = c;
  const db = loose(trx);
  const tables: Record<string, Row[]> = {};
  for (const t of [...LICENSE_TABLES, ...CREDENTIAL_TABLES]) {
    tables[t] = await db.selectFrom(t).selectAll().where('license_id', '=', licenseId).execute();
  }
  if (organizationScope) {
    for (const t of ORGANIZATION_TABLES) tables[t] = await db.selectFrom(t).selectAll().where('organization_id', '=', organizationId).execute();
  }
  return { version: 1, license: { next_group_id: await nextGroupIdOf(trx, licenseId) }, organizationScope, tables };
}

async function apply(c: Ctx, data: SnapshotData): Promise<void> {
  const { trx, licenseId } = c;
  const orgToo = c.organizationScope && data.organizationScope;
  await clear(c, orgToo);
  for (const t of LICENSE_TABLES) await insertRows(trx, t, data.tables[t] ?? []);
  if (orgToo) for (const t of ORGANIZATION_TABLES) await insertRows(trx, t, data.tables[t] ?? []);
  for (const t of CREDENTIAL_TABLES) await insertRows(trx, t, data.tables[t] ?? [], true);
  await setNextGroupId(trx, licenseId, data.license.next_group_id);
}

async function saveSnapshot(c: Ctx, kind: 'bootstrap' | 'user', name: string | null) {
  const { trx, licenseId } = c;
  const data = await capture(c);
  const id = uuid();
  const createdAt = nowIso();
  await trx
    .insertInto('admin_snapshots')
    .values({ id, license_id: licenseId, kind, name, data: JSON.stringify(data), created_at: createdAt })
    .execute();
  const rows = Object.entries(data.tables)
    .filter(([t]) => !(CREDENTIAL_TABLES as readonly string[]).includes(t))
    .reduce((n, [, r]) => n + r.length, 0);
  return { snapshot_id: id, license_id: licenseId, name, created_at: createdAt, organization_scope: data.organizationScope, rows };
}

/** Inside `bootstrap`'s transaction: remember the state it created, for reset. */
export async function saveBootstrapState(tx: Tx, licenseId: number): Promise<void> {
  await saveSnapshot(await ctxOf(tx, licenseId), 'bootstrap', null);
}

export interface ResetResult {
  license_id: number;
  owner: { id: string; account_id: string };
  organization_scope: boolean;
}

/**
 * The licence back to its bootstrapped state (owner, General group, nothing else; no webhook history), keeping
 * applications and credentials. Callers must drop cached token lookups afterwards.
 */
export async function resetLicense(tx: Tx, licenseId: number): Promise<ResetResult> {
  const c = await ctxOf(tx, licenseId);
  tx.signal('credentials-changed');
  const base = await c.trx
    .selectFrom('admin_snapshots')
    .select('data')
    .where('license_id', '=', licenseId)
    .where('kind', '=', 'bootstrap')
    .orderBy('created_at')
    .limit(1)
    .executeTakeFirst();
  if (base) {
    const data = JSON.parse(base.data) as SnapshotData;
    await apply(c, data);
    const owner = (data.tables.agents ?? []).find((a) => a.role === 'owner') ?? data.tables.agents?.[0];
    return {
      license_id: licenseId,
      owner: { id: String(owner?.id ?? ''), account_id: String(owner?.account_id ?? '') },
      organization_scope: c.organizationScope && data.organizationScope,
    };
  }
  return { ...(await resetWithoutBaseline(c)), organization_scope: c.organizationScope };
}

/** Licences bootstrapped before baselines were saved: the first agent becomes the owner with default settings. */
async function resetWithoutBaseline(c: Ctx): Promise<Omit<ResetResult, 'organization_scope'>> {
  const { trx, licenseId } = c;
  const owner = await oldestAgent(trx, licenseId);
  if (!owner) throw new ApiError('validation', `Licence ${licenseId} has no agent to keep as its owner`);
  await clear(c, c.organizationScope);
  const now = nowIso();
  const fresh = newAgentRow(licenseId, { id: owner.id, name: owner.name, role: 'owner', login_status: 'accepting chats' }, owner.created_at);
  await insertAgentRows(trx, [{ ...fresh, account_id: owner.account_id, updated_at: now }]);
  await createGeneralGroup(trx, licenseId, now);
  await addAgentGroups(trx, licenseId, owner.id, [{ id: 0, priority: 'normal' }]);
  await setNextGroupId(trx, licenseId, 1);
  return { license_id: licenseId, owner: { id: owner.id, account_id: owner.account_id } };
}

export interface SnapshotInfo {
  snapshot_id: string;
  license_id: number;
  name: string | null;
  created_at: string;
  organization_scope: boolean;
  /** Configuration rows saved (credentials not counted). */
  rows: number;
}

/** Save the licence's configuration; returns the new snapshot's id. */
export async function snapshotLicense(tx: Tx, licenseId: number, name: string | null = null): Promise<SnapshotInfo> {
  return saveSnapshot(await ctxOf(tx, licenseId), 'user', name);
}

/** Snapshots of a licence saved by users, newest first. */
export async function listSnapshots(db: Queryable, licenseId: number): Promise<Array<Omit<SnapshotInfo, 'rows' | 'organization_scope'>>> {
  await scopeOf(db, licenseId); // not_found for an unknown licence
  const rows = await db
    .selectFrom('admin_snapshots')
    .select(['id', 'license_id', 'name', 'created_at'])
    .where('license_id', '=', licenseId)
    .where('kind', '=', 'user')
    .orderBy('created_at', 'desc')
    .execute();
  return rows.map((r) => ({ snapshot_id: r.id, license_id: r.license_id, name: r.name, created_at: r.created_at }));
}

/** Replace the licence's configuration with one of its snapshots. Callers must drop cached token lookups afterwards. */
export async function restoreSnapshot(tx: Tx, licenseId: number, snapshotId: string): Promise<{ license_id: number; snapshot_id: string }> {
  const c = await ctxOf(tx, licenseId);
  const snap = await c.trx
    .selectFrom('admin_snapshots')
    .select(['data'])
    .where('id', '=', snapshotId)
    .where('license_id', '=', licenseId)
    .where('kind', '=', 'user')
    .executeTakeFirst();
  if (!snap) throw new ApiError('not_found', `Snapshot ${snapshotId} of licence ${licenseId} not found`);
  await apply(c, JSON.parse(snap.data) as SnapshotData);
  tx.signal('credentials-changed');
  return { license_id: licenseId, snapshot_id: snapshotId };
}

/** Delete a user snapshot. */
export async function deleteSnapshot(db: Queryable, licenseId: number, snapshotId: string): Promise<void> {
  const r = await db
    .deleteFrom('admin_snapshots')
    .where('id', '=', snapshotId)
    .where('license_id', '=', licenseId)
    .where('kind', '=', 'user')
    .executeTakeFirst();
  if (r.numDeletedRows === 0n) throw new ApiError('not_found', `Snapshot ${snapshotId} of licence ${licenseId} not found`);
}
