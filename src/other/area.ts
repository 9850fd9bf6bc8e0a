/**
 * The "Other" area: channels, product limits of plans, the product source; v3.4's get_license_id and
 * get_organization_id (which only src/versions/v3.4 serves).
 */
import type { Area } from '../kernel/area.js';
import { checkProductLimitsForPlan, getProductSource, listChannelsAction } from './actions.js';
import { getLicenseId, getOrganizationId } from './ids.js';

export const otherArea: Area = {
  name: 'other',
  actions: [listChannelsAction, checkProductLimitsForPlan, getProductSource, getLicenseId, getOrganizationId],
};
