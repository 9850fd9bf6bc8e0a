/** The auto access area (the spec's `auto_access`): rule actions, and rules losing a deleted group (cascade). */
import type { Area } from '../kernel/area.js';
import { addAutoAccess, deleteAutoAccess, groupDeleted, listAutoAccesses, updateAutoAccess } from './actions.js';

export const autoAccessArea: Area = {
  name: 'auto_access',
  actions: [addAutoAccess, listAutoAccesses, updateAutoAccess, deleteAutoAccess],
  groupDeleted,
};
