/**
 * The demo licence `config-api serve` creates on an empty database, and a fresh token for its owner when the one
 * printed at start-up was lost (`config-api demo-token`).
 */
import { ALL_SCOPES } from '../kernel/scopes.js';
import type { Cascades } from '../kernel/area.js';
import type { Store } from '../store/store.js';
import type { Tx } from '../store/transaction.js';
import { firstInstalledClientId } from '../tenancy/applications.js';
import { insertAccessToken } from '../tenancy/credentials.js';
import { hasAnyLicense, licenseIdsInRegion } from '../tenancy/licenses.js';
import { findAgent } from '../agents/repo.js';
import { bootstrap, type BootstrapResult } from './bootstrap.js';

export const DEMO_OWNER_EMAIL = 'owner@example.com';

/** Whether the database holds no licence at all (then `serve` creates the demo). */
export async function isEmpty(store: Store): Promise<boolean> {
  return !(await hasAnyLicense(store.db));
}

/** The demo organization, licence, owner and application, inside the caller's transaction. */
export function createDemo(tx: Tx, cascades: Pick<Cascades, 'applicationInstalled'>, region: string): Promise<BootstrapResult> {
  return bootstrap(tx, cascades, { region, ownerEmail: DEMO_OWNER_EMAIL, ownerName: 'Demo Owner' });
}

export interface DemoToken {
  license_id: number;
  region: string;
  owner: { id: string; account_id: string };
  client_id: string | null;
  bearer_token: string;
}

/**
 * A new access token (every scope, no expiry) for the owner of the demo licence: the oldest licence of `region`
 * owned by DEMO_OWNER_EMAIL, with the application installed first on it. Null when there is no such licence.
 */
export async function demoToken(store: Store, region: string): Promise<DemoToken | null> {
  for (const licenseId of await licenseIdsInRegion(store.db, region, 100)) {
    const owner = await findAgent(store.db, licenseId, DEMO_OWNER_EMAIL);
    if (!owner || owner.role !== 'owner') continue;
    const clientId = await firstInstalledClientId(store.db, licenseId);
    const token = await insertAccessToken(store.db, { licenseId, accountId: owner.account_id, clientId, scopes: ALL_SCOPES, region });
    return { license_id: licenseId, region, owner: { id: owner.id, account_id: owner.account_id }, client_id: clientId, bearer_token: token };
  }
  return null;
}
