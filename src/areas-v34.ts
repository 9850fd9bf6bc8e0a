/**
 * v3.4's own methods, which v3.5 removed (the changelog's `[v3.5]`): list_group_properties (replaced by
 * list_groups_properties) and get_license_id, get_organization_id. Their actions are defined in their areas' modules
 * (properties/value-actions.ts, other/ids.ts) but listed here rather than in those areas' `Area`, so that they exist
 * only where src/versions/v3.4 adds them: v3.5 and v3.6 answer them `not_found`. They have no cascades.
 */
import type { Area } from './kernel/area.js';
import { listGroupProperties } from './properties/value-actions.js';
import { getLicenseId, getOrganizationId } from './other/ids.js';

export const V34_AREAS: readonly Area[] = [
  { name: 'properties', actions: [listGroupProperties] },
  { name: 'other', actions: [getLicenseId, getOrganizationId] },
];
