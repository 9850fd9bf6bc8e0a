/**
 * Wires the control plane into an app: request journal, fault injection and the /admin routes, only when an admin
 * token is configured. The journal and fault rules are exposed as `app.controlPlane` (e.g. for a console's live view:
 * `app.controlPlane.journal.subscribe(fn)`).
 */
import type { FastifyInstance } from 'fastify';
import type { Core } from '../core.js';
import type { Authenticator } from './auth.js';
import { registerAdmin } from './admin.js';
import { FaultInjector, registerFaults } from './faults.js';
import { RequestJournal, registerJournal } from './journal.js';

export interface ControlPlane {
  journal: RequestJournal;
  faults: FaultInjector;
}

export async function registerControlPlane(app: FastifyInstance, core: Core, auth: Authenticator): Promise<ControlPlane | null> {
  const admin = core.config.admin;
  if (!admin.token) return null;
  const plane: ControlPlane = { journal: new RequestJournal(admin.journalSize, admin.journalBodies), faults: new FaultInjector() };
  registerJournal(app, plane.journal);
  registerFaults(app, plane.faults, auth);
  await registerAdmin(app, { core, token: admin.token, journal: plane.journal, faults: plane.faults });
  app.decorate('controlPlane', plane);
  return plane;
}

declare module 'fastify' {
  interface FastifyInstance {
    /** Present when ADMIN_TOKEN is set. */
    controlPlane?: ControlPlane;
  }
}
