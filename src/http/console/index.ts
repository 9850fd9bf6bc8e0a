/**
 * The web console at `/console`, one encapsulated plugin registered only when the control plane is on (ADMIN_TOKEN
 * set): the page and its assets (`assets.ts`), sign-in (`session.ts`), and the JSON API under `/console/api/`, whose
 * route modules (licences and their tabs, deliveries, calls) sit in a scope that requires a session by construction.
 * They read and change state through the same functions and registered actions the API and the control plane use.
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { controlPlaneOperations } from '../operations.js';
import { eventStreams } from '../sse.js';
import type { ConsoleDeps, ConsoleOptions } from './deps.js';
import { assetRoutes } from './assets.js';
import { Sessions, requireSession, sessionRoutes } from './session.js';
import { licenseRoutes } from './licenses.js';
import { deliveryRoutes } from './deliveries.js';
import { callRoutes } from './calls.js';

export { CONSOLE_COOKIE, CONSOLE_HEADER } from './session.js';
export type { ConsoleOptions } from './deps.js';

export const consolePlugin: FastifyPluginAsyncTypebox<ConsoleOptions> = async (app, o) => {
  const sessions = new Sessions(o.sessions);
  await app.register(assetRoutes);
  await app.register(sessionRoutes, { sessions, adminToken: o.adminToken, authFailures: o.authFailures });
  await app.register(async (api) => {
    api.addHook('onRequest', requireSession(sessions));
    const deps: ConsoleDeps = {
      core: o.core,
      versions: o.versions,
      dispatcher: o.dispatcher,
      journal: o.journal,
      operations: controlPlaneOperations(o.core),
      sessions,
      streams: eventStreams(api),
      changes: o.changes,
    };
    for (const routes of [licenseRoutes, deliveryRoutes, callRoutes]) await api.register(routes, deps);
  });
};
