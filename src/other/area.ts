/**
 * The "Other" area: channels, product limits of plans, the product source (v3.4's get_license_id and
 * get_organization_id, in ids.ts, are listed by src/areas-v34.ts).
 */
import type { Area } from '../kernel/area.js';
import { checkProductLimitsForPlan, getProductSource, listChannelsAction } from './actions.js';

export const otherArea: Area = { name: 'other', actions: [listChannelsAction, checkProductLimitsForPlan, getProductSource] };
