/** The properties area: the registry (organization-level) and the values of licences and groups; group values go with their group (cascade). */
import type { Area } from '../kernel/area.js';
import { registryActions } from './registry-actions.js';
import { groupDeleted, valueActions } from './value-actions.js';

export const propertiesArea: Area = { name: 'properties', actions: [...registryActions, ...valueActions], groupDeleted };
