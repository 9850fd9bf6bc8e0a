/** The groups area: group actions; group deletion asks the other areas through the `groupDeleted` cascade. */
import type { Area } from '../kernel/area.js';
import { createGroup, deleteGroup, getGroup, listGroups, updateGroup } from './actions.js';

export const groupsArea: Area = { name: 'groups', actions: [createGroup, updateGroup, deleteGroup, listGroups, getGroup] };
