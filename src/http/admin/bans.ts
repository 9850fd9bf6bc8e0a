/**
 * Control plane: customer bans. On the platform bans are made by chat agents (the Agent Chat API, not part of this
 * server); here an operator or a test makes one on a licence, which list_customer_bans and unban_customer (v3.6) then
 * see. The provisioning-level function `createCustomerBan` validates and stores it.
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { createCustomerBan, CustomerBanView, NewCustomerBan } from '../../bans/bans.js';
import type { AdminDeps } from './deps.js';
import { LicenseParams } from '../schemas.js';

export const banRoutes: FastifyPluginAsyncTypebox<AdminDeps> = async (admin, { core }) => {
  admin.post('/admin/licenses/:id/bans', {
    schema: {
      operationId: 'adminCreateCustomerBan',
      summary:
        'Ban a customer on a licence, as a chat agent would on the platform: exactly one of `ip` and `customer_id`; ' +
        '`agent_id` (who banned) an agent or bot of the licence; `expires_at` RFC 3339 (none: the ban never ends)',
      params: LicenseParams,
      body: NewCustomerBan,
      response: { 200: CustomerBanView },
    },
  }, async ({ params: { id }, body }) => core.transaction((trx) => createCustomerBan(trx, id, body), { licenseId: id }));
};
