/** Control plane: organizations with a licence (bootstrap), applications, bearer tokens and PATs. */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { bootstrap } from '../../provisioning/bootstrap.js';
import { createApplication } from '../../provisioning/applications.js';
import { createPat, issueAccessToken } from '../../provisioning/credentials.js';
import type { AdminDeps } from './deps.js';
import { ApplicationBody, BootstrapBody, BootstrapResponse, PatBody, TokenBody } from './schemas.js';

export const provisioningRoutes: FastifyPluginAsyncTypebox<AdminDeps> = async (admin, { core }) => {
  admin.post('/admin/bootstrap', {
    schema: {
      operationId: 'adminBootstrap',
      summary: 'Create an organization, a licence with its owner, an installed application, a bearer token and a PAT (as `config-api bootstrap --json`)',
      body: BootstrapBody,
      response: { 200: BootstrapResponse },
    },
  }, async ({ body: b }) =>
    core.transaction((trx) =>
      bootstrap(trx, core.cascades, {
        region: b.region ?? core.config.region,
        ownerEmail: b.owner_email,
        ownerName: b.owner_name,
        organizationName: b.organization_name,
        plan: b.plan,
        expiresAt: b.expires_at,
        source: {
          ...(b.source_id !== undefined ? { source_id: b.source_id } : {}),
          ...(b.source_type !== undefined ? { source_type: b.source_type } : {}),
          ...(b.source_url !== undefined ? { source_url: b.source_url } : {}),
        },
      }),
    ),
  );

  admin.post('/admin/applications', {
    schema: {
      operationId: 'adminCreateApplication',
      summary: 'Create an application of an organization, installed on a licence when license_id is given',
      body: ApplicationBody,
      response: { 200: Type.Object({ client_id: Type.String(), installed: Type.Boolean() }) },
    },
  }, async ({ body: b }) =>
    core.transaction((trx) => createApplication(trx, core.cascades, { organizationId: b.organization_id, licenseId: b.license_id, name: b.name })),
  );

  admin.post('/admin/tokens', {
    schema: {
      operationId: 'adminCreateToken',
      summary: 'Issue a bearer token for an agent or bot of a licence',
      body: TokenBody,
      response: { 200: Type.Object({ bearer_token: Type.String() }) },
    },
  }, async ({ body: b }) =>
    core.transaction((trx) =>
      issueAccessToken(trx, { licenseId: b.license_id, agentId: b.agent_id, clientId: b.client_id, scopes: b.scopes, ttlSeconds: b.ttl_s }),
    ),
  );

  admin.post('/admin/pats', {
    schema: {
      operationId: 'adminCreatePat',
      summary: 'Create a Personal Access Token for an agent of a licence',
      body: PatBody,
      response: { 200: Type.Object({ account_id: Type.String(), pat: Type.String(), basic_auth: Type.String() }) },
    },
  }, async ({ body: b }) => core.transaction((trx) => createPat(trx, { licenseId: b.license_id, agentId: b.agent_id, scopes: b.scopes })));
};
