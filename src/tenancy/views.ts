/**
 * The licence's owner as the caller of operator tools (the console). Licences and installed applications
 * themselves: `listLicenses`/`getLicense`/`licenseApplications` in tenancy.ts.
 */
import type { Caller } from '../kernel/registry.js';
import { ALL_SCOPES, type Role } from '../kernel/scopes.js';
import type { Queryable } from '../store/store.js';
import { licenseOwners } from '../agents/repo.js';
import { licensesForAuthentication } from './tenancy.js';

/**
 * The licence's owner acting with every scope and no application (as with the owner's personal access token): the
 * caller under which operator tools run the API's own actions, so they see and change exactly what the API would.
 * Undefined when the licence does not exist or has no owner. One statement: the licence (tenancy.ts) joined with its
 * owner (agents/repo.ts).
 */
export async function ownerCaller(db: Queryable, licenseId: number): Promise<Caller | undefined> {
  const row = await db
    .selectFrom(licensesForAuthentication(db).as('l'))
    .innerJoin(licenseOwners(db).as('o'), 'o.license_id', 'l.license_id')
    .select(['l.license_id', 'l.organization_id', 'l.region', 'o.agent_id', 'o.account_id'])
    .where('l.license_id', '=', licenseId)
    .executeTakeFirst();
  if (!row) return undefined;
  return {
    kind: 'pat',
    licenseId: row.license_id,
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
