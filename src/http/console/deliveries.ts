/** Console: a licence's webhook deliveries (list, live, one with its body and attempts) and resending one. */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { ApiError } from '../../kernel/errors.js';
import { deliveriesChangedSince, getDelivery, listDeliveries, type DeliverySummary } from '../../webhooks/delivery-views.js';
import { LicenseParams, Limit } from '../schemas.js';
import { DeliveryStatusSchema } from '../admin/schemas.js';
import { LIVE_POLL_MS, type ConsoleDeps } from './deps.js';

/** How far back each live poll looks before the newest change it has seen. */
const LOOKBACK_MS = 5000;

const Text = Type.Optional(Type.String({ minLength: 1, maxLength: 200 }));
const DeliveryParams = Type.Object({ did: Type.String() });

export const deliveryRoutes: FastifyPluginAsyncTypebox<ConsoleDeps> = async (app, { core, operations, streams, sessions }) => {
  const db = core.store.db;

  app.get('/console/api/licenses/:id/deliveries', {
    schema: {
      params: LicenseParams,
      querystring: Type.Object({ webhook_id: Text, action: Text, status: Type.Optional(DeliveryStatusSchema), limit: Limit(100, 1000) }),
    },
  }, async ({ params, query: q }) => ({
    deliveries: await listDeliveries(db, { licenseId: params.id, webhookId: q.webhook_id, action: q.action, status: q.status, limit: q.limit, includeBody: false }),
  }));

  app.get('/console/api/licenses/:id/deliveries/live', { schema: { params: LicenseParams } }, (req, reply) => {
    const licenseId = req.params.id;
    // Changes since the stream opened (the page loaded the list just before), then every change as it happens. Each
    // poll looks back LOOKBACK_MS before the newest change seen, because a transaction may commit a row stamped
    // earlier than a row another transaction already committed; what was already sent (same state) is not resent.
    // Polling the database (not listening in process) shows deliveries made by other server processes too.
    let newest = Date.now() - 2000;
    const sent = new Map<string, { state: string; at: number }>();
    const stream = streams.open(req, reply, { retryMs: 2000 });
    stream.every(LIVE_POLL_MS, async () => {
      if (!(await sessions.of(req))) return signOut();
      const rows: DeliverySummary[] = await deliveriesChangedSince(db, licenseId, new Date(newest - LOOKBACK_MS).toISOString());
      for (const r of rows) {
        const state = `${r.updated_at}|${r.status}|${r.attempts}|${r.last_status}|${r.last_error}`;
        const at = Date.parse(r.updated_at);
        if (at > newest) newest = at;
        if (sent.get(r.id)?.state === state) continue;
        sent.set(r.id, { state, at });
        stream.send('delivery', r);
      }
      for (const [id, v] of sent) if (v.at < newest - 2 * LOOKBACK_MS) sent.delete(id);
    });
    function signOut() {
      stream.send('signed_out', {});
      stream.end();
    }
  });

  app.get('/console/api/deliveries/:did', { schema: { params: DeliveryParams } }, async ({ params }) => {
    const d = await getDelivery(db, params.did);
    if (!d) throw new ApiError('not_found', 'Delivery not found');
    return d;
  });

  app.post('/console/api/deliveries/:did/resend', { schema: { params: DeliveryParams } }, async ({ params }) => operations.resendDelivery(params.did));
};
