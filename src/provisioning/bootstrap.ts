/**
 * Bootstrap: a new organization with one licence, its owner, an installed application, and the owner's bearer token
 * and PAT with every scope — what `config-api bootstrap`, `POST /admin/bootstrap`, the demo licence and the tests
 * start from.
 */
import { ALL_SCOPES } from '../kernel/scopes.js';
import type { Cascades } from '../kernel/area.js';
import { nowIso } from '../store/store.js';
import type { Tx } from '../store/transaction.js';
import { insertLicense, insertOrganization, type ProductSource } from '../tenancy/licenses.js';
import { basicAuth, insertAccessToken, insertPat } from '../tenancy/credentials.js';
import { insertAgent } from '../agents/repo.js';
import { addAgentGroups, createGeneralGroup } from '../groups/repo.js';
import { createApplication } from './applications.js';
import { checkPlan, parseExpiresAt } from './licenses.js';
import { saveBootstrapState } from './snapshots.js';

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
  /** One of PLANS (default enterprise). */
  plan?: string;
  /** RFC 3339 (normalised to UTC); null or absent: never expires. */
  expiresAt?: string | null;
  source?: Partial<ProductSource>;
}

/**
 * Organization + licence (with its General group) + owner + application (installed) + the owner's bearer token and
 * PAT with every scope, inside the caller's transaction; the plan and expiry are checked first. The state created is
 * saved as the licence's bootstrap snapshot (what a licence reset goes back to).
 */
export async function bootstrap(tx: Tx, cascades: Pick<Cascades, 'applicationInstalled'>, o: BootstrapOptions): Promise<BootstrapResult> {
  const plan = checkPlan(o.plan);
  const expiresAt = parseExpiresAt(o.expiresAt);
  const organizationId = await insertOrganization(tx.db, o.organizationName ?? 'Demo organization');
  const now = nowIso();
  const licenseId = await insertLicense(tx.db, { organizationId, region: o.region, plan, expiresAt, source: o.source }, now);
  await createGeneralGroup(tx.db, licenseId, now);
  const owner = await insertAgent(tx, licenseId, {
    id: o.ownerEmail ?? `owner+${licenseId}@example.com`,
    name: o.ownerName ?? 'Owner',
    role: 'owner',
    login_status: 'accepting chats',
  });
  await addAgentGroups(tx.db, licenseId, owner.id, [{ id: 0, priority: 'normal' }]);
  const { client_id: clientId } = await createApplication(tx, cascades, { organizationId, licenseId, name: 'Demo application' });
  const bearer = await insertAccessToken(tx.db, { licenseId, accountId: owner.account_id, clientId, scopes: ALL_SCOPES, region: o.region });
  const pat = await insertPat(tx.db, { licenseId, accountId: owner.account_id, scopes: ALL_SCOPES });
  await saveBootstrapState(tx, licenseId); // what a licence reset goes back to
  return {
    organization_id: organizationId,
    license_id: licenseId,
    region: o.region,
    owner: { id: owner.id, account_id: owner.account_id },
    client_id: clientId,
    bearer_token: bearer,
    pat,
    basic_auth: basicAuth(owner.account_id, pat),
  };
}
