/** Properties area: the registry (organization-level) and the values of licences and groups. */
import { registryActions } from './registry-actions.js';
import { valueActions } from './values.js';

export const propertyActions = [...registryActions, ...valueActions];
