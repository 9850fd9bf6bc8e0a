/**
 * The control plane's licence and delivery operations, as both `/admin/` and the web console run them: the same
 * service functions in the core's transactions (commit signals drop cached token lookups after licence changes and
 * wake the delivery worker after a resend). Reset and restore report how long they took (`duration_ms`).
 */
import type { Core } from '../core.js';
import { listSnapshots, resetLicense, restoreSnapshot, snapshotLicense } from '../provisioning/snapshots.js';
import { resendDelivery } from '../webhooks/redelivery.js';

async function timed<T extends object>(fn: () => Promise<T>): Promise<T & { duration_ms: number }> {
  const t0 = performance.now();
  const out = await fn();
  return { ...out, duration_ms: Math.round((performance.now() - t0) * 100) / 100 };
}

export function controlPlaneOperations(core: Core) {
  return {
    resendDelivery: (id: string) => core.transaction((trx) => resendDelivery(trx, id)),
    resetLicense: (licenseId: number) => timed(() => core.transaction((trx) => resetLicense(trx, licenseId), { licenseId })),
    listSnapshots: (licenseId: number) => listSnapshots(core.store.db, licenseId),
    createSnapshot: (licenseId: number, name: string | null) =>
      core.transaction((trx) => snapshotLicense(trx, licenseId, name), { licenseId }),
    restoreSnapshot: (licenseId: number, snapshotId: string) =>
      timed(() => core.transaction((trx) => restoreSnapshot(trx, licenseId, snapshotId), { licenseId })),
  };
}

export type ControlPlaneOperations = ReturnType<typeof controlPlaneOperations>;
