/**
 * Applications (OAuth clients of an organization) and their installations on licences: the only module that reads
 * and writes the tables `applications` and `installations`, and the application row lock.
 */
import { sql } from 'kysely';
import { ApiError } from '../kernel/errors.js';
import { randomHexId } from '../kernel/crypto.js';
import { nowIso, type Queryable } from '../store/store.js';
import type { Tx } from '../store/transaction.js';

export interface ApplicationsTable {
  client_id: string;
  organization_id: string;
  name: string;
  created_at: string;
}

export interface InstallationsTable {
  client_id: string;
  license_id: number;
  installed_at: string;
}

declare module '../store/schema.js' {
  interface Database {
    applications: ApplicationsTable;
    installations: InstallationsTable;
  }
}

/** A new application of the organization; returns its client id. */
export async function insertApplication(db: Queryable, organizationId: string, name: string): Promise<string> {
  const clientId = randomHexId();
  await db.insertInto('applications').values({ client_id: clientId, organization_id: organizationId, name, created_at: nowIso() }).execute();
  return clientId;
}

/** Does any application have this client id (of any organization)? */
export async function applicationExists(db: Queryable, clientId: string): Promise<boolean> {
  const row = await db.selectFrom('applications').select('client_id').where('client_id', '=', clientId).executeTakeFirst();
  return row !== undefined;
}

/** Is `clientId` an application owned by the organization? (Each area answers a "no" with its own error.) */
export async function isOrganizationApplication(db: Queryable, organizationId: string, clientId: string): Promise<boolean> {
  const row = await db
    .selectFrom('applications')
    .select('client_id')
    .where('client_id', '=', clientId)
    .where('organization_id', '=', organizationId)
    .executeTakeFirst();
  return row !== undefined;
}

/**
 * The one answer, in every area, to an `owner_client_id` the caller may not act for (not an application of the
 * caller's organization): `authorization`, the same for unknown and foreign client ids. `ownToken` (the token's own
 * client id) is accepted too where the reference lets an application act for itself (the licence-webhooks state
 * methods, create_bot, reset_bot_secret).
 */
export async function assertUsableClientId(
  db: Queryable,
  caller: { organizationId: string; clientId: string | null },
  clientId: string,
  opts: { ownToken?: boolean } = {},
): Promise<void> {
  if (opts.ownToken && caller.clientId !== null && clientId === caller.clientId) return;
  if (await isOrganizationApplication(db, caller.organizationId, clientId)) return;
  throw new ApiError('authorization', `\`owner_client_id\` ${clientId} is not an application of your organization`);
}

/**
 * Serialise writers that enforce a per-application limit (bot templates, webhooks per action): on PostgreSQL a row
 * lock on the application, held to the end of the transaction. SQLite has one writer at a time already. Called by
 * those actions themselves, inside the licence-locked transaction of the call.
 */
export async function lockApplication(tx: Tx, clientId: string): Promise<void> {
  if (tx.dialect !== 'postgres') return;
  await sql`SELECT client_id FROM applications WHERE client_id = ${clientId} FOR UPDATE`.execute(tx.db);
}

/** Record that the application is installed on the licence; false when it was already. */
export async function insertInstallation(db: Queryable, clientId: string, licenseId: number): Promise<boolean> {
  const existing = await db
    .selectFrom('installations')
    .select('client_id')
    .where('client_id', '=', clientId)
    .where('license_id', '=', licenseId)
    .executeTakeFirst();
  if (existing) return false;
  await db.insertInto('installations').values({ client_id: clientId, license_id: licenseId, installed_at: nowIso() }).execute();
  return true;
}

/**
 * The client ids of the applications installed on the licence, as a subquery (`client_id IN (…)`), so that the
 * owner of a table keyed by client id filters by installation in one statement.
 */
export const installedClientIds = (db: Queryable, licenseId: number) =>
  db.selectFrom('installations').select('client_id').where('license_id', '=', licenseId);

/** The ids of the licences the application is installed on, as a subquery (`id IN (…)`). */
export const installedLicenseIds = (db: Queryable, clientId: string) =>
  db.selectFrom('installations').select('license_id').where('client_id', '=', clientId);

/**
 * What an application keeps for every licence it is installed on changed (its webhooks, its property definitions):
 * each of those licences is recorded as changed (`tx.licenseChanged`), as the caller's licence is by its lock, so
 * that their open views hear of it. One query; no lock (the change is the application's, serialised by its own).
 */
export async function applicationChanged(tx: Tx, clientId: string): Promise<void> {
  for (const r of await installedLicenseIds(tx.db, clientId).execute()) tx.licenseChanged(r.license_id);
}

/** The client id of the application installed first on the licence, or null. */
export async function firstInstalledClientId(db: Queryable, licenseId: number): Promise<string | null> {
  const app = await db
    .selectFrom('installations')
    .select('client_id')
    .where('license_id', '=', licenseId)
    .orderBy('installed_at')
    .orderBy('client_id')
    .limit(1)
    .executeTakeFirst();
  return app?.client_id ?? null;
}

export interface InstalledApplication {
  client_id: string;
  name: string;
  installed_at: string;
}

/** The applications installed on a licence, in installation order (the operator console). */
export async function licenseApplications(db: Queryable, licenseId: number): Promise<InstalledApplication[]> {
  return db
    .selectFrom('installations as i')
    .innerJoin('applications as a', 'a.client_id', 'i.client_id')
    .select(['a.client_id', 'a.name', 'i.installed_at'])
    .where('i.license_id', '=', licenseId)
    .orderBy('i.installed_at')
    .orderBy('a.client_id')
    .execute();
}
