/** The "Other" area: channels, product limits of plans, the product source. */
import type { Area } from '../kernel/area.js';
import { checkProductLimitsForPlan, getProductSource, listChannelsAction } from './actions.js';

export const otherArea: Area = { name: 'other', actions: [listChannelsAction, checkProductLimitsForPlan, getProductSource] };
