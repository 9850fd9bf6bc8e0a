/** Console: licences, their tabs, the licence webhooks switch per application, reset and snapshots. */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { ApiError } from '../../kernel/errors.js';
import { getLicense, listLicenses } from '../../tenancy/licenses.js';
import { licenseApplications } from '../../tenancy/applications.js';
import { LicenseParams, Nullable } from '../schemas.js';
import { TABS, ownerRunner } from './tabs.js';
import { LIVE_POLL_MS, type ConsoleDeps } from './deps.js';

export const licenseRoutes: FastifyPluginAsyncTypebox<ConsoleDeps> = async (app, deps) => {
  const { core, versions, dispatcher, operations, streams, sessions, changes } = deps;
  const db = core.store.db;

  app.get('/console/api/licenses', async () => ({ licenses: await listLicenses(db) }));

  app.get('/console/api/licenses/:id', { schema: { params: LicenseParams } }, async ({ params: { id } }) => ({
    license: await getLicense(db, id),
    applications: await licenseApplications(db, id),
  }));

  // The open licence view's signal to reload: `changed` after every committed change of the licence (from this node,
  // or from another one when the feed carries the other nodes' changes), coalesced by the feed; `ready` once the
  // stream listens, so that a page that loaded before it can catch up. The session is checked every LIVE_POLL_MS.
  app.get('/console/api/licenses/:id/live', { schema: { params: LicenseParams } }, async (req, reply) => {
    const licenseId = req.params.id;
    await getLicense(db, licenseId); // not_found before the stream opens
    const stream = streams.open(req, reply, { retryMs: 2000 });
    stream.onClose(changes.subscribe(licenseId, (id) => stream.send('changed', { license_id: licenseId, missed: id === '*' })));
    stream.send('ready', { license_id: licenseId });
    sessions.endWithSession(req, stream, LIVE_POLL_MS);
  });

  app.get('/console/api/licenses/:id/tabs/:tab', {
    schema: { params: Type.Object({ id: LicenseParams.properties.id, tab: Type.String() }) },
  }, async (req) => {
    const { id, tab } = req.params;
    const load = TABS.get(tab);
    if (!load) throw new ApiError('not_found', `No console tab ${tab}`);
    const run = await ownerRunner(db, versions, dispatcher, id, req.log);
    return load(run, await licenseApplications(db, id));
  });

  app.put('/console/api/licenses/:id/webhooks-state', {
    schema: { params: LicenseParams, body: Type.Object({ client_id: Type.String(), enabled: Type.Boolean() }) },
  }, async (req) => {
    const { client_id: clientId, enabled } = req.body;
    const run = await ownerRunner(db, versions, dispatcher, req.params.id, req.log);
    await run(enabled ? 'enable_license_webhooks' : 'disable_license_webhooks', { owner_client_id: clientId });
    return run('get_license_webhooks_state', { owner_client_id: clientId });
  });

  app.post('/console/api/licenses/:id/reset', { schema: { params: LicenseParams } }, async ({ params }) => operations.resetLicense(params.id));

  app.get('/console/api/licenses/:id/snapshots', { schema: { params: LicenseParams } }, async ({ params }) => ({
    snapshots: await operations.listSnapshots(params.id),
  }));

  app.post('/console/api/licenses/:id/snapshots', {
    schema: { params: LicenseParams, body: Type.Object({ name: Type.Optional(Nullable(Type.String({ maxLength: 200 }))) }) },
  }, async ({ params, body }) => operations.createSnapshot(params.id, body.name || null));

  app.post('/console/api/licenses/:id/snapshots/:sid/restore', {
    schema: { params: Type.Object({ id: LicenseParams.properties.id, sid: Type.String() }) },
  }, async ({ params }) => operations.restoreSnapshot(params.id, params.sid));
};
