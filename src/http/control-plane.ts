/**
 * Wires the control plane into an app: request journal, fault injection and the /admin routes, only when an admin
 * token is configured. The journal and fault rules are exposed as `app.controlPlane` (e.g. for a console's live view:
 * `app.controlPlane.journal.subscribe(fn)`).
 */
import type { FastifyInstance } from 'fastify';
import type { AdminConfig } from '../config.js';
import type { Store } from '../store/db.js';
import { registerAdmin } from './admin.js';
import { FaultInjector, registerFaults } from './faults.js';
import { RequestJournal, registerJournal } from './journal.js';

export interface ControlPlane {
  journal: RequestJournal;
  faults: FaultInjector;
}

export async function registerControlPlane(
  app: FastifyInstance,
  o: { store: Store; admin: AdminConfig; region: string; notifyDeliveries(): void },
): Promise<ControlPlane | null> {
  if (!o.admin.token) return null;
  const plane: ControlPlane = { journal: new RequestJournal(o.admin.journalSize, o.admin.journalBodies), faults: new FaultInjector() };
  registerJournal(app, plane.journal);
  registerFaults(app, plane.faults, app.authenticator);
  await registerAdmin(app, {
    store: o.store,
    token: o.admin.token,
    region: o.region,
    journal: plane.journal,
    faults: plane.faults,
    invalidateAuth: () => app.authenticator.invalidate(),
    notifyDeliveries: o.notifyDeliveries,
  });
  app.decorate('controlPlane', plane);
  return plane;
}

declare module 'fastify' {
  interface FastifyInstance {
    /** Present when ADMIN_TOKEN is set. */
    controlPlane?: ControlPlane;
  }
}
