/**
 * Read-only views of a licence's installed applications and owner, for the operator console (licences themselves:
 * `listLicenses`/`getLicense` in tenancy.ts). The tenancy area owns these tables; nothing here writes.
 */
import type { Caller } from '../kernel/registry.js';
import { ALL_SCOPES, type Role } from '../kernel/scopes.js';
import type { Queryable } from '../store/db.js';

export interface InstalledApplication {
  client_id: string;
  name: string;
  installed_at: string;
}

/** The applications installed on a licence, in installation order. */
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

/**
 * The licence's owner acting with every scope and no application (as with the owner's personal access token): the
 * caller under which operator tools run the API's own actions, so they see and change exactly what the API would.
 * Undefined when the licence does not exist or has no owner.
 */
export async function ownerCaller(db: Queryable, licenseId: number): Promise<Caller | undefined> {
  const row = await db
    .selectFrom('licenses as l')
    .innerJoin('agents as a', (j) => j.onRef('a.license_id', '=', 'l.id').on('a.role', '=', 'owner').on('a.type', '=', 'agent'))
    .select(['l.id', 'l.organization_id', 'l.region', 'a.id as agent_id', 'a.account_id'])
    .where('l.id', '=', licenseId)
    .executeTakeFirst();
  if (!row) return undefined;
  return {
    kind: 'pat',
    licenseId: row.id,
    organizationId: row.organization_id,
    region: row.region,
    accountId: row.account_id,
    agentId: row.agent_id,
    role: 'owner' as Role,
    agentType: 'agent',
    suspended: false,
    clientId: null,
    scopes: new Set(ALL_SCOPES),
  };
}
