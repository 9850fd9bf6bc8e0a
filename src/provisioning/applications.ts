/** Applications for operators: create one (installed on a licence if asked), install one on a licence. */
import { ApiError } from '../kernel/errors.js';
import type { Cascades } from '../kernel/area.js';
import type { Tx } from '../store/transaction.js';
import { applicationExists, insertApplication, insertInstallation } from '../tenancy/applications.js';
import { findLicense, lockLicense, organizationExists } from '../tenancy/licenses.js';

/** A new application of the organization, installed on `licenseId` when given. */
export async function createApplication(
  tx: Tx,
  cascades: Pick<Cascades, 'applicationInstalled'>,
  o: { organizationId: string; licenseId?: number; name?: string },
): Promise<{ client_id: string; installed: boolean }> {
  if (!(await organizationExists(tx.db, o.organizationId))) throw new ApiError('not_found', `Organization ${o.organizationId} not found`);
  const clientId = await insertApplication(tx.db, o.organizationId, o.name ?? 'Application');
  const installed = o.licenseId === undefined ? false : await installApplication(tx, cascades, clientId, o.licenseId);
  return { client_id: clientId, installed };
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
  // Applications of other organizations may be installed too (marketplace apps): only existence is checked.
  if (!(await applicationExists(tx.db, clientId))) throw new ApiError('not_found', `Application ${clientId} not found`);
  if (!(await findLicense(tx.db, licenseId))) throw new ApiError('not_found', `License ${licenseId} not found`);
  await lockLicense(tx, licenseId); // the licence's applications (and bots) change: serialised with its writers
  if (!(await insertInstallation(tx.db, clientId, licenseId))) return false;
  await cascades.applicationInstalled(tx, clientId, licenseId);
  return true;
}
