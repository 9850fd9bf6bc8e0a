/**
 * The demo licence `config-api serve` creates on an empty database, and a fresh token for its owner when the one
 * printed at start-up was lost (`config-api demo-token`).
 */
import { ALL_SCOPES } from '../kernel/scopes.js';
import { findAgent } from '../agents/repo.js';
import type { Queryable, Store } from '../store/db.js';
import type { Cascades } from '../kernel/area.js';
import { bootstrap, type BootstrapResult } from './tenancy.js';
import { issueAccessToken } from './credentials.js';

export const DEMO_OWNER_EMAIL = 'owner@example.com';

/** Whether the database holds no licence at all (then `serve` creates the demo). */
export async function isEmpty(store: Store): Promise<boolean> {
  return !(await store.db.selectFrom('licenses').select('id').limit(1).executeTakeFirst());
}

/** The demo organization, licence, owner and application, inside the caller's transaction. */
export function createDemo(trx: Queryable, cascades: Pick<Cascades, 'applicationInstalled'>, region: string): Promise<BootstrapResult> {
  return bootstrap(trx, cascades, { region, ownerEmail: DEMO_OWNER_EMAIL, ownerName: 'Demo Owner' });
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
  const licences = await store.db
    .selectFrom('licenses')
    .select('id')
    .where('region', '=', region)
    .orderBy('id')
    .limit(100)
    .execute();
  for (const { id: licenseId } of licences) {
    const owner = await findAgent(store.db, licenseId, DEMO_OWNER_EMAIL);
    if (!owner || owner.role !== 'owner') continue;
    const app = await store.db
      .selectFrom('installations')
      .select('client_id')
      .where('license_id', '=', licenseId)
      .orderBy('installed_at')
      .orderBy('client_id')
      .limit(1)
      .executeTakeFirst();
    const clientId = app?.client_id ?? null;
    const token = await issueAccessToken(store.db, { licenseId, accountId: owner.account_id, clientId, scopes: ALL_SCOPES, region });
    return { license_id: licenseId, region, owner: { id: owner.id, account_id: owner.account_id }, client_id: clientId, bearer_token: token };
  }
  return null;
}
