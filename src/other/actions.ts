/** Other: list_channels, check_product_limits_for_plan, get_product_source. */
import { Type } from '@sinclair/typebox';
import { ApiError } from '../kernel/errors.js';
import { defineAction } from '../kernel/registry.js';
import type { Area } from '../kernel/area.js';
import { literalUnion } from '../kernel/schema.js';
import { PLANS } from '../tenancy/tenancy.js';
import { listChannels } from './channels.js';
import { exceededLimits } from './limits.js';

const Empty = Type.Object({}, { additionalProperties: false });
const CheckLimits = Type.Object({ plan: literalUnion(PLANS) }, { additionalProperties: false });

export const listChannelsAction = defineAction({
  name: 'list_channels',
  area: 'other',
  summary: 'Returns the licence\'s communication channels with their first activity.',
  schema: Empty,
  scopes: [],
  async handler(ctx) {
    return listChannels(ctx.db, ctx.caller.licenseId);
  },
});

export const checkProductLimitsForPlan = defineAction({
  name: 'check_product_limits_for_plan',
  area: 'other',
  summary: 'Lists the licence\'s resources that exceed the given plan\'s limits.',
  schema: CheckLimits,
  scopes: ['subscription.lc:rw'],
  async handler(ctx, input) {
    return exceededLimits(ctx.db, ctx.caller.licenseId, input.plan);
  },
});

export const getProductSource = defineAction({
  name: 'get_product_source',
  area: 'other',
  summary: 'Returns the source recorded when the licence was created.',
  schema: Empty,
  scopes: [],
  async handler(ctx) {
    const row = await ctx.db
      .selectFrom('licenses')
      .select(['source_id', 'source_type', 'source_url'])
      .where('id', '=', ctx.caller.licenseId)
      .executeTakeFirst();
    if (!row) throw new ApiError('not_found', 'Licence not found');
    return row;
  },
});

export const otherArea: Area = { name: 'other', actions: [listChannelsAction, checkProductLimitsForPlan, getProductSource] };
