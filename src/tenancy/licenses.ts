/**
 * Organizations and their licences: the only module that reads and writes the tables `organizations` and
 * `licenses`, and the licence row lock. Used by the areas (a licence's facts, its next group id, the licence lock
 * of every write), authentication (licences joined with credentials) and provisioning (bootstrap, listing, updates).
 */
import { sql, type Generated, type SelectQueryBuilder } from 'kysely';
import { ApiError } from '../kernel/errors.js';
import { uuid } from '../kernel/crypto.js';
import { nextCounter } from '../store/own-tables.js';
import { everyResult } from '../store/pg-begin.js';
import { preparedPgText, preparedQuery } from '../store/prepared-query.js';
import { nowIso, type Queryable } from '../store/store.js';
import type { Database } from '../store/schema.js';
import type { Tx } from '../store/transaction.js';

export interface OrganizationsTable {
  id: string;
  name: string;
  created_at: string;
}

export interface LicensesTable {
  id: number;
  organization_id: string;
  region: string;
  plan: string;
  expires_at: string | null;
  source_id: string;
  source_type: string;
  source_url: string;
  next_group_id: number;
  created_at: string;
  /** PostgreSQL: bumped by triggers on every change to the licence's agents or memberships (read-cache key). */
  agents_version: Generated<number>;
}

declare module '../store/schema.js' {
  interface Database {
    organizations: OrganizationsTable;
    licenses: LicensesTable;
  }
}

export const PLANS = ['starter', 'team', 'enterprise', 'enterpriseplus'] as const;
export type Plan = (typeof PLANS)[number];

export interface ProductSource {
  source_id: string;
  source_type: string;
  source_url: string;
}
export const DEFAULT_PRODUCT_SOURCE: ProductSource = {
  source_id: 'config-api-cli',
  source_type: 'cli',
  source_url: '',
};

/** A new organization; returns its id. */
export async function insertOrganization(db: Queryable, name: string): Promise<string> {
  const id = uuid();
  await db.insertInto('organizations').values({ id, name, created_at: nowIso() }).execute();
  return id;
}

export async function organizationExists(db: Queryable, organizationId: string): Promise<boolean> {
  const row = await db.selectFrom('organizations').select('id').where('id', '=', organizationId).executeTakeFirst();
  return row !== undefined;
}

export interface NewLicense {
  organizationId: string;
  region: string;
  plan?: string;
  expiresAt?: string | null;
  source?: Partial<ProductSource>;
}

/** A new licence row (its groups, owner and the rest are made by provisioning); returns its id. */
export async function insertLicense(db: Queryable, l: NewLicense, now = nowIso()): Promise<number> {
  const id = 100_000_000 + (await nextCounter(db, 'licenses'));
  const source = { ...DEFAULT_PRODUCT_SOURCE, ...(l.source ?? {}) };
  await db
    .insertInto('licenses')
    .values({
      id,
      organization_id: l.organizationId,
      region: l.region,
      plan: l.plan ?? 'enterprise',
      expires_at: l.expiresAt ?? null,
      source_id: source.source_id,
      source_type: source.source_type,
      source_url: source.source_url,
      next_group_id: 1,
      created_at: now,
    })
    .execute();
  return id;
}

/** The id of the licence's next group (ids are never reused within a licence). */
export async function allocateGroupId(db: Queryable, licenseId: number): Promise<number> {
  const lic = await db
    .updateTable('licenses')
    .set((eb) => ({ next_group_id: eb('next_group_id', '+', 1) }))
    .where('id', '=', licenseId)
    .returning('next_group_id')
    .executeTakeFirstOrThrow();
  return lic.next_group_id - 1;
}

/** The licence's next group id (snapshots save it) and setting it back (restore, reset). */
export async function nextGroupIdOf(db: Queryable, licenseId: number): Promise<number> {
  const lic = await db.selectFrom('licenses').select('next_group_id').where('id', '=', licenseId).executeTakeFirstOrThrow();
  return Number(lic.next_group_id);
}
export async function setNextGroupId(db: Queryable, licenseId: number, next: number): Promise<void> {
  await db.updateTable('licenses').set({ next_group_id: next }).where('id', '=', licenseId).execute();
}

/** The product source recorded when the licence was created (get_product_source), or undefined. */
export function productSourceOf(db: Queryable, licenseId: number): Promise<ProductSource | undefined> {
  return db.selectFrom('licenses').select(['source_id', 'source_type', 'source_url']).where('id', '=', licenseId).executeTakeFirst();
}

export interface LicenseRef {
  id: number;
  organization_id: string;
}

/** The licence with its organization, or undefined. */
export function findLicense(db: Queryable, licenseId: number): Promise<(LicenseRef & { region: string }) | undefined> {
  return db.selectFrom('licenses').select(['id', 'organization_id', 'region']).where('id', '=', licenseId).executeTakeFirst();
}

/** The organization's first licence (lowest id; an organization has one on the platform), or undefined. */
export async function firstLicenseOf(db: Queryable, organizationId: string): Promise<number | undefined> {
  const row = await db.selectFrom('licenses').select('id').where('organization_id', '=', organizationId).orderBy('id').limit(1).executeTakeFirst();
  return row?.id;
}

/** The licence's organization and how many licences that organization has (one query); undefined for no licence. */
export async function organizationOf(db: Queryable, licenseId: number): Promise<{ organizationId: string; licenses: number } | undefined> {
  const lic = await db
    .selectFrom('licenses as l')
    .select((eb) => [
      'l.organization_id',
      eb.selectFrom('licenses as o').select((e) => e.fn.countAll<number>().as('n')).whereRef('o.organization_id', '=', 'l.organization_id').as('n'),
    ])
    .where('l.id', '=', licenseId)
    .executeTakeFirst();
  return lic && { organizationId: lic.organization_id, licenses: Number(lic.n) };
}

/**
 * The ids of the organization's licences, as a subquery (`license_id IN (…)`), so that the owner of a per-licence
 * table filters by organization in one statement.
 */
export const organizationLicenseIds = (db: Queryable, organizationId: string) =>
  db.selectFrom('licenses').select('id').where('organization_id', '=', organizationId);

/**
 * Licences as authentication sees them (organization, region, expiry), as a query to join on `license_id`: a
 * credential or bot lookup reads its licence in the same statement (agents/authentication.ts, bots/token.ts).
 */
export const licensesForAuthentication = (db: Queryable) =>
  db.selectFrom('licenses').select(['id as license_id', 'organization_id', 'region', 'expires_at as license_expires_at']);

const lockText = preparedPgText(1, (db, id: number) => db.selectFrom('licenses').select('id').where('id', '=', id).forUpdate());

/**
 * Serialise writers of one licence: on PostgreSQL a row lock on the licence, held to the end of the transaction
 * (the core takes it first in `core.transaction(fn, { licenseId })`). SQLite has one writer at a time already. Either
 * way the transaction is recorded as changing the licence (`tx.licenseChanged`): after the commit the licence's
 * change feed (the console's live views) hears of it.
 */
export async function lockLicense(tx: Tx, licenseId: number): Promise<void>;
/**
 * PostgreSQL, `then`: statements without parameters run right after the lock, in its round trip; the rows of each,
 * in order.
 */
export async function lockLicense(tx: Tx, licenseId: number, then: readonly string[]): Promise<unknown[][]>;
export async function lockLicense(tx: Tx, licenseId: number, then?: readonly string[]): Promise<unknown[][] | void> {
  tx.licenseChanged(licenseId);
  if (tx.dialect !== 'postgres') return;
  // A text without parameters (the id written in; anything but an integer is refused there): as the transaction's
  // first statement it then travels with its BEGIN, in one round trip (src/store/pg-begin.ts), and so does `then`.
  const lock = lockText(tx.db, licenseId);
  if (!then?.length) {
    await sql.raw(lock).execute(tx.db);
    return [];
  }
  const { rows } = await sql.raw<unknown[]>(everyResult([lock, ...then].join('; '))).execute(tx.db);
  return rows.slice(1);
}

/**
 * The licences among `ids` (a subquery, e.g. applications' `installedLicenseIds`), locked (PostgreSQL) in id order:
 * a change spread over several licences (template bots) serialises with each licence's writers. Each is recorded as
 * changed, as `lockLicense` does.
 */
export async function lockLicenses(tx: Tx, ids: SelectQueryBuilder<Database, 'installations', { license_id: number }>): Promise<LicenseRef[]> {
  const rows = await tx.db.selectFrom('licenses').select(['id', 'organization_id']).where('id', 'in', ids).orderBy('id').execute();
  for (const r of rows) tx.licenseChanged(r.id);
  if (tx.dialect === 'postgres' && rows.length > 0) {
    await sql`SELECT id FROM licenses WHERE id IN (${sql.join(rows.map((r) => r.id))}) ORDER BY id FOR UPDATE`.execute(tx.db);
  }
  return rows;
}

/** Whether the database holds any licence. */
export async function hasAnyLicense(db: Queryable): Promise<boolean> {
  return (await db.selectFrom('licenses').select('id').limit(1).executeTakeFirst()) !== undefined;
}

/** The ids of the oldest licences of a region (at most `limit`), oldest first. */
export async function licenseIdsInRegion(db: Queryable, region: string, limit: number): Promise<number[]> {
  const rows = await db.selectFrom('licenses').select('id').where('region', '=', region).orderBy('id').limit(limit).execute();
  return rows.map((r) => r.id);
}

const selectAgentsVersion = preparedQuery(1, (db, licenseId: number) =>
  db.selectFrom('licenses').select('agents_version').where('id', '=', licenseId),
);

/**
 * The version of a licence's agents and memberships: bumped by triggers (PostgreSQL, migration 0007) in the same
 * transaction as any change to them, whoever writes. Undefined for an unknown licence.
 */
export async function agentsVersion(db: Queryable, licenseId: number): Promise<string | undefined> {
  const row = (await selectAgentsVersion(db, licenseId)).rows[0];
  return row === undefined ? undefined : String(row.agents_version);
}

export interface LicenseInfo {
  id: number;
  organization_id: string;
  organization_name: string;
  region: string;
  plan: string;
  expires_at: string | null;
  created_at: string;
}

function licenseQuery(db: Queryable) {
  return db
    .selectFrom('licenses as l')
    .innerJoin('organizations as o', 'o.id', 'l.organization_id')
    .select(['l.id', 'l.organization_id', 'o.name as organization_name', 'l.region', 'l.plan', 'l.expires_at', 'l.created_at']);
}

/** Licences, newest first (optionally of one organization). */
export async function listLicenses(db: Queryable, o: { organizationId?: string; limit?: number } = {}): Promise<LicenseInfo[]> {
  let q = licenseQuery(db).orderBy('l.id', 'desc').limit(o.limit ?? 1000);
  if (o.organizationId) q = q.where('l.organization_id', '=', o.organizationId);
  return q.execute();
}

/** One licence; `not_found` when there is none. */
export async function getLicense(db: Queryable, licenseId: number): Promise<LicenseInfo> {
  const row = await licenseQuery(db).where('l.id', '=', licenseId).executeTakeFirst();
  if (!row) throw new ApiError('not_found', `Licence ${licenseId} not found`);
  return row;
}

/** Write a licence's plan and/or expiry; false when there is no such licence. */
export async function updateLicenseRow(db: Queryable, licenseId: number, set: { plan?: string; expires_at?: string | null }): Promise<boolean> {
  const r = await db.updateTable('licenses').set(set).where('id', '=', licenseId).executeTakeFirst();
  return r.numUpdatedRows > 0n;
}
