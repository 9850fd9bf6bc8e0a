/**
 * Customer bans (v3.6): list_customer_bans and unban_customer. Bans are made on the platform by chat agents; here
 * by the provisioning function `createCustomerBan` (bans.ts). `banlist_read` and `banlist_write` are exact scopes
 * (they are not `<resource>:<access>` names, so neither contains the other).
 */
import { Type } from '@sinclair/typebox';
import { ApiError } from '../kernel/errors.js';
import { defineAction } from '../kernel/registry.js';
import { EmptyResponse } from '../kernel/responses.js';
import { CustomerBanView, CustomerId, IpAddress, banClock, banTarget } from './bans.js';
import { activeBans, banView, liftBans, pruneEndedBans } from './repo.js';

export const listCustomerBans = defineAction({
  name: 'list_customer_bans',
  area: 'customer_bans',
  summary: 'Returns all active bans for a customer.',
  description: "The licence's bans that have not ended (no `expires_at`, or one in the future), oldest first.",
  schema: Type.Object({}, { additionalProperties: false }),
  response: Type.Array(CustomerBanView),
  scopes: ['banlist_read'],
  async handler(ctx) {
    return (await activeBans(ctx.db, ctx.caller.licenseId, banClock())).map(banView);
  },
});

export const unbanCustomer = defineAction({
  name: 'unban_customer',
  area: 'customer_bans',
  summary: 'Lifts a ban from a customer.',
  description:
    'Lifts every active ban of the IP address (any spelling of the same address) or of the customer id: exactly one ' +
    'of `ip` and `customer_id`. No active ban → `not_found`.',
  schema: Type.Object({ ip: Type.Optional(IpAddress), customer_id: Type.Optional(CustomerId) }, { additionalProperties: false }),
  response: EmptyResponse,
  scopes: ['banlist_write'],
  async handler(ctx, input) {
    const target = banTarget(input);
    const { licenseId } = ctx.caller;
    const lifted = await ctx.tx(async (tx) => {
      const now = banClock();
      const n = await liftBans(tx.db, licenseId, target, now);
      await pruneEndedBans(tx.db, licenseId, now);
      return n;
    });
    if (lifted === 0) {
      const who = input.ip !== undefined ? `IP address ${input.ip}` : `customer ${input.customer_id}`;
      throw new ApiError('not_found', `No active ban of ${who}`);
    }
    return {};
  },
});
