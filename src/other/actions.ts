/** Other: list_channels, check_product_limits_for_plan, get_product_source. */
import { Type } from '@sinclair/typebox';
import { ApiError } from '../kernel/errors.js';
import { defineAction } from '../kernel/registry.js';
import { literalUnion } from '../kernel/schema.js';
import { PLANS, productSourceOf } from '../tenancy/licenses.js';
import { listChannels } from './channels.js';
import { exceededLimits } from './limits.js';

const Empty = Type.Object({}, { additionalProperties: false });
const CheckLimits = Type.Object({ plan: literalUnion(PLANS) }, { additionalProperties: false });

/** examples/other/listChannels.json */
const ChannelView = Type.Object(
  { channel_type: Type.String(), channel_subtype: Type.String(), first_activity_timestamp: Type.String({ format: 'date-time' }) },
  { additionalProperties: false, title: 'Channel' },
);
/** examples/other/checkProductLimitsForPlan.json */
const ExceededLimitView = Type.Object(
  { resource: Type.String(), limit_balance: Type.Integer(), id: Type.Optional(Type.String()) },
  { additionalProperties: false, title: 'ExceededLimit' },
);
/** examples/other/getProductSource.json */
const ProductSource = Type.Object(
  { source_id: Type.String(), source_type: Type.String(), source_url: Type.String() },
  { additionalProperties: false, title: 'ProductSource' },
);

export const listChannelsAction = defineAction({
  name: 'list_channels',
  area: 'other',
  summary: 'Returns the summary of communication channels for your LiveChat product.',
  description: 'Returns the licence\'s communication channels with their first activity.',
  schema: Empty,
  response: Type.Array(ChannelView),
  scopes: [],
  async handler(ctx) {
    return listChannels(ctx.db, ctx.caller.licenseId);
  },
});

export const checkProductLimitsForPlan = defineAction({
  name: 'check_product_limits_for_plan',
  area: 'other',
  summary: 'Resource limits in the LiveChat product are different for each plan.',
  description: 'Lists the licence\'s resources that exceed the given plan\'s limits.',
  schema: CheckLimits,
  response: Type.Array(ExceededLimitView),
  scopes: ['subscription.lc:rw'],
  async handler(ctx, input) {
    return exceededLimits(ctx.db, ctx.caller.licenseId, input.plan);
  },
});

export const getProductSource = defineAction({
  name: 'get_product_source',
  area: 'other',
  summary: 'This method retrieves the `source` parameters that were passed when activating the LiveChat product.',
  description: 'Returns the source recorded when the licence was created.',
  schema: Empty,
  response: ProductSource,
  scopes: [],
  async handler(ctx) {
    const row = await productSourceOf(ctx.db, ctx.caller.licenseId);
    if (!row) throw new ApiError('not_found', 'Licence not found');
    return row;
  },
});
