/**
 * Organizations, licences, applications and their installations: the only module that reads and writes the tables
 * `organizations`, `licenses`, `applications` and `installations` (credentials are in `credentials.ts`). Used by the
 * CLI (bootstrap, app, token), by the areas that need a licence's or an installation's facts, and by tests.
 */
import { sql, type Generated } from 'kysely';
import { ApiError } from '../kernel/errors.js';
import { ALL_SCOPES } from '../kernel/scopes.js';
import { findAgentColumns, insertAgent } from '../agents/repo.js';
import type { Tx } from '../store/transaction.js';
import { nextCounter } from '../store/own-tables.js';
import { nowIso, type Queryable } from '../store/store.js';
import { preparedQuery } from '../store/prepared-query.js';
import type { Cascades } from '../kernel/area.js';
import { addAgentGroups, createGeneralGroup } from '../groups/repo.js';
import { randomHexId, uuid } from '../kernel/crypto.js';
import { basicAuth, createPat, issueAccessToken } from './credentials.js';
import { saveBootstrapState } from './state.js';

export { basicAuth, createPat, issueAccessToken, type NewAccessToken } from './credentials.js';

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
    organizations: OrganizationsTable;
    licenses: LicensesTable;
    applications: ApplicationsTable;
    installations: InstallationsTable;
  }
}

export const PLANS = ['starter', 'team', 'enterprise', 'enterpriseplus'] as const;

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

export async function createOrganization(trx: Queryable, name = 'Demo organization'): Promise<string> {
  const id = uuid();
  await trx.insertInto('organizations').values({ id, name, created_at: nowIso() }).execute();
  return id;
}

export interface NewLicense {
  organizationId: string;
  region: string;
  plan?: string;
  expiresAt?: string | null;
  source?: Partial<ProductSource>;
}

/** A new licence with its "General" group 0. */
export async function createLicense(trx: Queryable, l: NewLicense): Promise<number> {
  const id = 100_000_000 + (await nextCounter(trx, 'licenses'));
  const now = nowIso();
  const source = { ...DEFAULT_PRODUCT_SOURCE, ...(l.source ?? {}) };
  await trx
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
  await createGeneralGroup(trx, id, now);
  return id;
}

/** The id of the licence's next group (ids are never reused within a licence). */
export async function allocateGroupId(trx: Queryable, licenseId: number): Promise<number> {
  const lic = await trx
    .updateTable('licenses')
    .set((eb) => ({ next_group_id: eb('next_group_id', '+', 1) }))
    .where('id', '=', licenseId)
    .returning('next_group_id')
    .executeTakeFirstOrThrow();
  return lic.next_group_id - 1;
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

/**
 * The ids of the organization's licences, as a subquery (`license_id IN (…)`), so that the owner of a per-licence
 * table filters by organization in one statement.
 */
export const organizationLicenseIds = (db: Queryable, organizationId: string) =>
  db.selectFrom('licenses').select('id').where('organization_id', '=', organizationId);

/**
 * The client ids of the applications installed on the licence, as a subquery (`client_id IN (…)`), so that the
 * owner of a table keyed by client id filters by installation in one statement.
 */
export const installedClientIds = (db: Queryable, licenseId: number) =>
  db.selectFrom('installations').select('client_id').where('license_id', '=', licenseId);

/**
 * Licences as authentication sees them (organization, region, expiry), as a query to join on `license_id`: a
 * credential or bot lookup reads its licence in the same statement (authentication.ts, bots/token.ts).
 */
export const licensesForAuthentication = (db: Queryable) =>
  db.selectFrom('licenses').select(['id as license_id', 'organization_id', 'region', 'expires_at as license_expires_at']);

/**
 * Serialise writers of one licence: on PostgreSQL a row lock on the licence, held to the end of the transaction
 * (taken first by `core.transaction(fn, { licenseId })`). SQLite has one writer at a time already.
 */
export async function lockLicense(tx: Tx, licenseId: number): Promise<void> {
  if (tx.dialect !== 'postgres') return;
  await sql`SELECT id FROM licenses WHERE id = ${licenseId} FOR UPDATE`.execute(tx.db);
}

/**
 * Serialise writers that enforce a per-application limit (bot templates, webhooks per action): on PostgreSQL a row
 * lock on the application, held to the end of the transaction. SQLite has one writer at a time already.
 */
export async function lockApplication(tx: Tx, clientId: string): Promise<void> {
  if (tx.dialect !== 'postgres') return;
  await sql`SELECT client_id FROM applications WHERE client_id = ${clientId} FOR UPDATE`.execute(tx.db);
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

/** Licences where the application is installed, locked (PostgreSQL) in id order. */
export async function installedLicenses(tx: Tx, clientId: string): Promise<LicenseRef[]> {
  const rows = await tx.db
    .selectFrom('installations as i')
    .innerJoin('licenses as l', 'l.id', 'i.license_id')
    .select(['l.id', 'l.organization_id'])
    .where('i.client_id', '=', clientId)
    .orderBy('l.id')
    .execute();
  if (tx.dialect === 'postgres' && rows.length > 0) {
    const ids = rows.map((r) => r.id);
    await sql`SELECT id FROM licenses WHERE id IN (${sql.join(ids)}) ORDER BY id FOR UPDATE`.execute(tx.db);
  }
  return rows;
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

export async function createOwner(
  tx: Tx,
  licenseId: number,
  email: string,
  name = 'Owner',
): Promise<{ id: string; account_id: string }> {
  const row = await insertAgent(tx, licenseId, { id: email, name, role: 'owner', login_status: 'accepting chats' });
  await addAgentGroups(tx.db, licenseId, row.id, [{ id: 0, priority: 'normal' }]);
  return { id: row.id, account_id: row.account_id };
}

export async function createApplication(trx: Queryable, organizationId: string, name = 'Application'): Promise<string> {
  const org = await trx.selectFrom('organizations').select('id').where('id', '=', organizationId).executeTakeFirst();
  if (!org) throw new ApiError('not_found', `Organization ${organizationId} not found`);
  const clientId = randomHexId();
  await trx
    .insertInto('applications')
    .values({ client_id: clientId, organization_id: organizationId, name, created_at: nowIso() })
    .execute();
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
 * Install an application on a licence; what that does in other areas (e.g. bots from its templates) runs as the
 * `applicationInstalled` cascade inside the same transaction. False when it was installed already.
 */
export async function installApplication(
  tx: Tx,
  cascades: Pick<Cascades, 'applicationInstalled'>,
  clientId: string,
  licenseId: number,
): Promise<boolean> {
  const trx = tx.db;
  // Applications of other organizations may be installed too (marketplace apps): only existence is checked.
  if (!(await applicationExists(trx, clientId))) throw new ApiError('not_found', `Application ${clientId} not found`);
  const lic = await trx.selectFrom('licenses').select('id').where('id', '=', licenseId).executeTakeFirst();
  if (!lic) throw new ApiError('not_found', `License ${licenseId} not found`);
  const existing = await trx
    .selectFrom('installations')
    .select('client_id')
    .where('client_id', '=', clientId)
    .where('license_id', '=', licenseId)
    .executeTakeFirst();
  if (existing) return false;
  await trx.insertInto('installations').values({ client_id: clientId, license_id: licenseId, installed_at: nowIso() }).execute();
  await cascades.applicationInstalled(tx, clientId, licenseId);
  return true;
}

export interface BootstrapResult {
  organization_id: string;
  license_id: number;
  region: string;
  owner: { id: string; account_id: string };
  client_id: string;
  bearer_token: string;
  pat: string;
  basic_auth: string;
}

export interface BootstrapOptions {
  region: string;
  ownerEmail?: string;
  ownerName?: string;
  organizationName?: string;
  plan?: string;
  expiresAt?: string | null;
  source?: Partial<ProductSource>;
}

/**
 * Organization + licence + owner + application (installed) + owner's bearer token and PAT with every scope, inside
 * the caller's transaction.
 */
export async function bootstrap(
  tx: Tx,
  cascades: Pick<Cascades, 'applicationInstalled'>,
  o: BootstrapOptions,
): Promise<BootstrapResult> {
  const trx = tx.db;
  const organizationId = await createOrganization(trx, o.organizationName);
  const licenseId = await createLicense(trx, {
    organizationId,
    region: o.region,
    plan: o.plan,
    expiresAt: o.expiresAt,
    source: o.source,
  });
  const owner = await createOwner(tx, licenseId, o.ownerEmail ?? `owner+${licenseId}@example.com`, o.ownerName);
  const clientId = await createApplication(trx, organizationId, 'Demo application');
  await installApplication(tx, cascades, clientId, licenseId);
  const bearer = await issueAccessToken(trx, {
    licenseId,
    accountId: owner.account_id,
    clientId,
    scopes: ALL_SCOPES,
    region: o.region,
  });
  const pat = await createPat(trx, { licenseId, accountId: owner.account_id, scopes: ALL_SCOPES });
  await saveBootstrapState(tx, licenseId); // what POST /admin/licenses/{id}/reset goes back to
  return {
    organization_id: organizationId,
    license_id: licenseId,
    region: o.region,
    owner,
    client_id: clientId,
    bearer_token: bearer,
    pat,
    basic_auth: basicAuth(owner.account_id, pat),
  };
}

// ---------------------------------------------------------------- services shared by the CLI and the control plane
// Writes take the transaction they run in (callers use `core.transaction`), reads any Queryable.

/** `scopes` as given by a caller: a list, or "all" (every scope). Unknown scopes are refused. */
export function resolveScopes(scopes: readonly string[] | 'all'): string[] {
  if (scopes === 'all') return [...ALL_SCOPES];
  const unknown = scopes.filter((x) => !ALL_SCOPES.includes(x));
  if (unknown.length) throw new ApiError('validation', `Unknown scope(s): ${unknown.join(', ')} (use "all" for every scope)`);
  if (scopes.length === 0) throw new ApiError('validation', 'scopes needs at least one scope');
  return [...new Set(scopes)];
}

async function agentAccount(db: Queryable, licenseId: number, agentId: string): Promise<{ id: string; account_id: string }> {
  const row = await findAgentColumns(db, licenseId, agentId, ['account_id', 'id']); // any letter case
  if (!row) throw new ApiError('not_found', `Agent ${agentId} not found on licence ${licenseId}`);
  return row;
}

async function licenseRow(db: Queryable, licenseId: number) {
  const lic = await findLicense(db, licenseId);
  if (!lic) throw new ApiError('not_found', `Licence ${licenseId} not found`);
  return lic;
}

/** A new application of the organization, installed on `licenseId` when given. */
export async function newApplication(
  tx: Tx,
  cascades: Pick<Cascades, 'applicationInstalled'>,
  o: { organizationId: string; licenseId?: number; name?: string },
): Promise<{ client_id: string; installed: boolean }> {
  const clientId = await createApplication(tx.db, o.organizationId, o.name ?? 'Application');
  const installed = o.licenseId === undefined ? false : await installApplication(tx, cascades, clientId, o.licenseId);
  return { client_id: clientId, installed };
}

/** A bearer token for an agent (or bot) of the licence, in the licence's region. */
export async function newAccessToken(
  tx: Tx,
  o: { licenseId: number; agentId: string; clientId?: string | null; scopes: readonly string[] | 'all'; ttlSeconds?: number | null },
): Promise<{ bearer_token: string }> {
  const scopes = resolveScopes(o.scopes);
  if (o.ttlSeconds !== undefined && o.ttlSeconds !== null && (!Number.isInteger(o.ttlSeconds) || o.ttlSeconds <= 0)) {
    throw new ApiError('validation', 'ttl must be a positive whole number of seconds');
  }
  const trx = tx.db;
  const lic = await licenseRow(trx, o.licenseId);
  const agent = await agentAccount(trx, o.licenseId, o.agentId);
  const clientId = o.clientId ?? null;
  if (clientId && !(await applicationExists(trx, clientId))) throw new ApiError('not_found', `Application ${clientId} not found`);
  const token = await issueAccessToken(trx, {
    licenseId: o.licenseId,
    accountId: agent.account_id,
    clientId,
    scopes,
    region: lic.region,
    ttlSeconds: o.ttlSeconds ?? null,
  });
  return { bearer_token: token };
}

/** A Personal Access Token for an agent of the licence. */
export async function newPat(
  tx: Tx,
  o: { licenseId: number; agentId: string; scopes: readonly string[] | 'all' },
): Promise<{ account_id: string; pat: string; basic_auth: string }> {
  const trx = tx.db;
  const scopes = resolveScopes(o.scopes);
  await licenseRow(trx, o.licenseId);
  const agent = await agentAccount(trx, o.licenseId, o.agentId);
  const pat = await createPat(trx, { licenseId: o.licenseId, accountId: agent.account_id, scopes });
  return { account_id: agent.account_id, pat, basic_auth: basicAuth(agent.account_id, pat) };
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

export async function getLicense(db: Queryable, licenseId: number): Promise<LicenseInfo> {
  const row = await licenseQuery(db).where('l.id', '=', licenseId).executeTakeFirst();
  if (!row) throw new ApiError('not_found', `Licence ${licenseId} not found`);
  return row;
}

/** An RFC 3339 date-time normalised to UTC, null for null/undefined; `validation` otherwise. */
export function parseExpiresAt(raw: string | null | undefined): string | null {
  if (raw === undefined || raw === null) return null;
  const t = Date.parse(raw);
  if (Number.isNaN(t)) throw new ApiError('validation', 'expires_at must be an RFC 3339 date-time, e.g. 2027-01-01T00:00:00Z');
  return new Date(t).toISOString();
}

/** Change a licence's plan and/or expiry (null = never expires); cached token lookups are dropped on commit. */
export async function updateLicense(tx: Tx, licenseId: number, o: { plan?: string; expiresAt?: string | null }): Promise<LicenseInfo> {
  const trx = tx.db;
  if (o.plan !== undefined && !(PLANS as readonly string[]).includes(o.plan)) {
    throw new ApiError('validation', `plan must be one of ${PLANS.join(', ')}`);
  }
  const expiresAt = o.expiresAt === undefined ? undefined : parseExpiresAt(o.expiresAt);
  const set = { ...(o.plan !== undefined ? { plan: o.plan } : {}), ...(expiresAt !== undefined ? { expires_at: expiresAt } : {}) };
  if (Object.keys(set).length) {
    const r = await trx.updateTable('licenses').set(set).where('id', '=', licenseId).executeTakeFirst();
    if (r.numUpdatedRows === 0n) throw new ApiError('not_found', `Licence ${licenseId} not found`);
    tx.signal('credentials-changed'); // token lookups carry the licence's expiry
  }
  return getLicense(trx, licenseId);
}

/** The options of `config-api bootstrap` and `POST /admin/bootstrap`, validated, then `bootstrap`. */
export async function bootstrapLicense(
  tx: Tx,
  cascades: Pick<Cascades, 'applicationInstalled'>,
  o: Omit<BootstrapOptions, 'expiresAt'> & { expiresAt?: string | null },
): Promise<BootstrapResult> {
  if (o.plan !== undefined && !(PLANS as readonly string[]).includes(o.plan)) {
    throw new ApiError('validation', `plan must be one of ${PLANS.join(', ')}`);
  }
  return bootstrap(tx, cascades, { ...o, expiresAt: parseExpiresAt(o.expiresAt) });
}
