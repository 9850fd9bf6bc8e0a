/**
 * The control plane: `/admin/*`, on only when ADMIN_TOKEN is set, opened only by `Authorization: Bearer <ADMIN_TOKEN>`
 * (constant-time comparison). One encapsulated plugin: the token check is its own hook, and its route modules call
 * the same service functions as the CLI (src/provisioning, src/webhooks/delivery-views.ts). Each route declares its TypeBox
 * schemas and, in the schema, its `operationId` and `summary`: the OpenAPI document (tag `admin`) is made from the
 * routes as registered (`AdminRouteDoc`), so a route is documented by being declared.
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { ApiError } from '../../kernel/errors.js';
import { bearerMatches, hashSecret } from '../../kernel/crypto.js';
import { controlPlaneOperations } from '../operations.js';
import type { AdminDeps, AdminOptions } from './deps.js';
import { provisioningRoutes } from './provisioning.js';
import { licenseRoutes } from './licenses.js';
import { deliveryRoutes } from './deliveries.js';
import { requestRoutes } from './requests.js';
import { faultRoutes } from './faults.js';
import { banRoutes } from './bans.js';

export type { AdminOptions, AdminRouteDoc } from './deps.js';

export const adminPlugin: FastifyPluginAsyncTypebox<AdminOptions> = async (admin, o) => {
  const expected = hashSecret(o.token);
  admin.addHook('onRequest', (req, _reply, done) => {
    if (bearerMatches(req.headers.authorization, expected)) return done();
    done(new ApiError('authentication', 'The control plane needs Authorization: Bearer <ADMIN_TOKEN>'));
  });
  admin.addHook('onRoute', (r) => {
    if (r.method === 'HEAD') return; // Fastify's automatic HEAD of a GET route
    for (const method of Array.isArray(r.method) ? r.method : [r.method]) o.routes.push({ method, url: r.url, schema: r.schema ?? {} });
  });
  const deps: AdminDeps = { core: o.core, journal: o.journal, faults: o.faults, operations: controlPlaneOperations(o.core) };
  for (const routes of [provisioningRoutes, licenseRoutes, banRoutes, deliveryRoutes, requestRoutes, faultRoutes]) await admin.register(routes, deps);
};
