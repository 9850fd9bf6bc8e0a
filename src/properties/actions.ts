/** Properties area: the registry (organization-level) and the values of licences and groups. */
import type { Area } from '../kernel/area.js';
import { registryActions } from './registry-actions.js';
import { groupDeleted, valueActions } from './values.js';

export const propertiesArea: Area = { name: 'properties', actions: [...registryActions, ...valueActions], groupDeleted };
