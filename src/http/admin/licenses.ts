/** Control plane: licences (list, read, plan and expiry), reset, snapshots. */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { getLicense, listLicenses } from '../../tenancy/licenses.js';
import { updateLicense } from '../../provisioning/licenses.js';
import { deleteSnapshot } from '../../provisioning/snapshots.js';
import type { AdminDeps } from './deps.js';
import { LicenseId, LicenseParams, Limit, Nullable } from '../schemas.js';
import { License, PatchLicenseBody, Snapshot } from './schemas.js';

const SnapshotParams = Type.Object({ id: LicenseId, snapshot_id: Type.String({ minLength: 1 }) });

export const licenseRoutes: FastifyPluginAsyncTypebox<AdminDeps> = async (admin, { core, operations }) => {
  const db = core.store.db;

  admin.get('/admin/licenses', {
    schema: {
      operationId: 'adminListLicenses',
      summary: 'List licences, newest first',
      querystring: Type.Object({ organization_id: Type.Optional(Type.String({ minLength: 1 })), limit: Limit(100, 1000) }),
      response: { 200: Type.Object({ licenses: Type.Array(License) }) },
    },
  }, async ({ query }) => ({ licenses: await listLicenses(db, { organizationId: query.organization_id, limit: query.limit }) }));

  admin.get('/admin/licenses/:id', {
    schema: { operationId: 'adminGetLicense', summary: 'One licence', params: LicenseParams, response: { 200: License } },
  }, async ({ params }) => getLicense(db, params.id));

  admin.patch('/admin/licenses/:id', {
    schema: {
      operationId: 'adminUpdateLicense',
      summary: "Change a licence's plan and/or expiry (expires_at null = never)",
      params: LicenseParams,
      body: PatchLicenseBody,
      response: { 200: License },
    },
  }, async ({ params: { id }, body }) =>
    core.transaction((trx) => updateLicense(trx, id, { plan: body.plan, expiresAt: body.expires_at }), { licenseId: id }),
  );

  admin.post('/admin/licenses/:id/reset', {
    schema: {
      operationId: 'adminResetLicense',
      summary: 'Reset a licence to its bootstrapped state (owner, General group), keeping applications and credentials',
      params: LicenseParams,
      response: {
        200: Type.Object({
          license_id: Type.Integer(),
          owner: Type.Object({ id: Type.String(), account_id: Type.String() }),
          organization_scope: Type.Boolean(),
          duration_ms: Type.Number(),
        }),
      },
    },
  }, async ({ params }) => operations.resetLicense(params.id));

  admin.post('/admin/licenses/:id/snapshots', {
    schema: {
      operationId: 'adminCreateSnapshot',
      summary: "Save a licence's configuration",
      params: LicenseParams,
      body: Type.Object({ name: Type.Optional(Type.String({ maxLength: 200 })) }, { additionalProperties: false }),
      response: {
        200: Type.Object({
          snapshot_id: Type.String(),
          license_id: Type.Integer(),
          name: Nullable(Type.String()),
          created_at: Type.String(),
          organization_scope: Type.Boolean(),
          rows: Type.Integer(),
        }),
      },
    },
  }, async ({ params, body }) => operations.createSnapshot(params.id, body.name ?? null));

  admin.get('/admin/licenses/:id/snapshots', {
    schema: {
      operationId: 'adminListSnapshots',
      summary: "A licence's snapshots, newest first",
      params: LicenseParams,
      response: { 200: Type.Object({ snapshots: Type.Array(Snapshot) }) },
    },
  }, async ({ params }) => ({ snapshots: await operations.listSnapshots(params.id) }));

  admin.post('/admin/licenses/:id/snapshots/:snapshot_id/restore', {
    schema: {
      operationId: 'adminRestoreSnapshot',
      summary: "Replace a licence's configuration with one of its snapshots",
      params: SnapshotParams,
      response: { 200: Type.Object({ license_id: Type.Integer(), snapshot_id: Type.String(), duration_ms: Type.Number() }) },
    },
  }, async ({ params }) => operations.restoreSnapshot(params.id, params.snapshot_id));

  admin.delete('/admin/licenses/:id/snapshots/:snapshot_id', {
    schema: { operationId: 'adminDeleteSnapshot', summary: 'Delete a snapshot', params: SnapshotParams, response: { 200: Type.Object({}) } },
  }, async ({ params }) => {
    await deleteSnapshot(db, params.id, params.snapshot_id);
    return {};
  });
};
