/**
 * The areas of the API, in one visible order: what each contributes (its actions, the cascades it takes part in,
 * extra ways to authenticate). Cascades run in this order: deleting a group rewrites tags first, then auto access
 * rules, then drops property values. Add a new area here.
 */
import { cascadesOf, type Area, type Cascades } from './kernel/area.js';
import { agentsArea } from './agents/actions.js';
import { groupsArea } from './groups/actions.js';
import { botsArea } from './bots/actions.js';
import { tagsArea } from './tags/actions.js';
import { autoAccessArea } from './auto-access/actions.js';
import { otherArea } from './other/actions.js';
import { propertiesArea } from './properties/actions.js';
import { webhooksArea } from './webhooks/actions.js';

export const AREAS: readonly Area[] = [
  agentsArea,
  groupsArea,
  botsArea,
  tagsArea,
  autoAccessArea,
  otherArea,
  propertiesArea,
  webhooksArea,
];

/** The cascades of every area, for code that changes data outside an action (the CLI, the control plane). */
export const CASCADES: Cascades = cascadesOf(AREAS);
