/**
 * Licence operations of the operator surfaces (CLI, /admin, console): the plan and expiry checks every licence change
 * goes through, updating a licence, and the caller operator tools act as on a licence. Listing and showing licences
 * are tenancy's queries (`listLicenses`, `getLicense` in tenancy/licenses.ts).
 */
import { ApiError } from '../kernel/errors.js';
import { newCaller, type Caller } from '../kernel/caller.js';
import { ALL_SCOPES } from '../kernel/scopes.js';
import type { Queryable } from '../store/store.js';
import type { Tx } from '../store/transaction.js';
import { getLicense, licensesForAuthentication, PLANS, updateLicenseRow, type LicenseInfo, type Plan } from '../tenancy/licenses.js';
import { licenseOwners } from '../agents/repo.js';

/** The plan check of every licence change (bootstrap, update): one of PLANS, or `validation`. */
export function checkPlan(plan: string | undefined): Plan | undefined {
  if (plan !== undefined && !(PLANS as readonly string[]).includes(plan)) {
    throw new ApiError('validation', `plan must be one of ${PLANS.join(', ')}`);
  }
  return plan as Plan | undefined;
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
  const plan = checkPlan(o.plan);
  const expiresAt = o.expiresAt === undefined ? undefined : parseExpiresAt(o.expiresAt);
  const set = { ...(plan !== undefined ? { plan } : {}), ...(expiresAt !== undefined ? { expires_at: expiresAt } : {}) };
  if (Object.keys(set).length) {
    if (!(await updateLicenseRow(tx.db, licenseId, set))) throw new ApiError('not_found', `Licence ${licenseId} not found`);
    tx.signal('credentials-changed'); // token lookups carry the licence's expiry
  }
  return getLicense(tx.db, licenseId);
}

/**
 * The licence's owner acting with every scope and no application (as with the owner's personal access token): the
 * caller under which operator tools run the API's own actions, so they see and change exactly what the API would.
 * Undefined when the licence does not exist or has no owner. One statement: the licence (tenancy/licenses.ts)
 * joined with its owner (agents/repo.ts).
 */
export async function ownerCaller(db: Queryable, licenseId: number): Promise<Caller | undefined> {
  const row = await db
    .selectFrom(licensesForAuthentication(db).as('l'))
    .innerJoin(licenseOwners(db).as('o'), 'o.license_id', 'l.license_id')
    .select(['l.license_id', 'l.organization_id', 'l.region', 'o.agent_id', 'o.account_id'])
    .where('l.license_id', '=', licenseId)
    .executeTakeFirst();
  if (!row) return undefined;
  return newCaller({
    kind: 'pat',
    licenseId: row.license_id,
    organizationId: row.organization_id,
    region: row.region,
    accountId: row.account_id,
    agentId: row.agent_id,
    role: 'owner',
    type: 'agent',
    suspended: false,
    clientId: null,
    scopes: ALL_SCOPES,
  });
}
