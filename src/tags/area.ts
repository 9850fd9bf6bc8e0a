/** The tags area: tag actions, and tags losing a deleted group (cascade). */
import type { Area } from '../kernel/area.js';
import { createTag, deleteTag, groupDeleted, listTags, updateTag } from './actions.js';

export const tagsArea: Area = { name: 'tags', actions: [createTag, updateTag, deleteTag, listTags], groupDeleted };
