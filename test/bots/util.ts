/** Helpers shared by the bots suites (not a test file). */
import type { Harness } from '../helpers.js';
import { createApplication, installApplication } from '../../src/tenancy/tenancy.js';

export const HEX32 = /^[0-9a-f]{32}$/;

/** A new application of the organization (default: the bootstrap one), optionally installed on licences. */
export async function newApp(h: Harness, o: { organizationId?: string; install?: number[] } = {}): Promise<string> {
  return h.store.db.transaction().execute(async (trx) => {
    const clientId = await createApplication(trx, o.organizationId ?? h.boot.organization_id, 'Bots test app');
    for (const lic of o.install ?? []) await installApplication(trx, clientId, lic);
    return clientId;
  });
}

export async function install(h: Harness, clientId: string, licenseId: number): Promise<boolean> {
  return h.store.db.transaction().execute((trx) => installApplication(trx, clientId, licenseId));
}

/** The bot row as stored (or undefined). */
export function botRow(h: Harness, licenseId: number, id: string) {
  return h.store.db
    .selectFrom('agents')
    .selectAll()
    .where('license_id', '=', licenseId)
    .where('id', '=', id)
    .where('type', '=', 'bot')
    .executeTakeFirst();
}
