/** Control plane: webhook deliveries with the exact body sent, and resending one. */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { listDeliveries } from '../../webhooks/delivery-views.js';
import type { AdminDeps } from './deps.js';
import { LicenseId, Limit } from '../schemas.js';
import { Delivery, DeliveryStatusSchema } from './schemas.js';

export const deliveryRoutes: FastifyPluginAsyncTypebox<AdminDeps> = async (admin, { core, operations }) => {
  admin.get('/admin/deliveries', {
    schema: {
      operationId: 'adminListDeliveries',
      summary: 'Webhook deliveries, newest first, with the exact body sent',
      querystring: Type.Object({
        license_id: Type.Optional(LicenseId),
        webhook_id: Type.Optional(Type.String({ minLength: 1 })),
        status: Type.Optional(DeliveryStatusSchema),
        action: Type.Optional(Type.String({ minLength: 1 })),
        limit: Limit(100, 1000),
      }),
      response: { 200: Type.Object({ deliveries: Type.Array(Delivery) }) },
    },
  }, async ({ query: q }) => ({
    deliveries: await listDeliveries(core.store.db, { licenseId: q.license_id, webhookId: q.webhook_id, status: q.status, action: q.action, limit: q.limit }),
  }));

  admin.post('/admin/deliveries/:id/resend', {
    schema: {
      operationId: 'adminResendDelivery',
      summary: 'Queue a delivery again (delivered, failed, cancelled or pending)',
      params: Type.Object({ id: Type.String({ minLength: 1 }) }),
      response: { 200: Type.Object({ id: Type.String(), status: Type.String(), previous_status: Type.String() }) },
    },
  }, async ({ params }) => operations.resendDelivery(params.id));
};
