/**
 * The areas of the API, in one visible order: what each contributes (its actions, the cascades it takes part in,
 * extra ways to authenticate). Cascades run in this order: deleting a group rewrites tags first, then auto access
 * rules, then drops property values. Add a new area here.
 */
import type { Area } from './kernel/area.js';
import { Registry } from './kernel/registry.js';
import { agentsArea } from './agents/area.js';
import { groupsArea } from './groups/area.js';
import { botsArea } from './bots/area.js';
import { tagsArea } from './tags/area.js';
import { autoAccessArea } from './auto-access/area.js';
import { otherArea } from './other/area.js';
import { propertiesArea } from './properties/area.js';
import { webhooksArea } from './webhooks/area.js';

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

/** A registry of every area's actions (what the app dispatches through; the OpenAPI document and client come from it). */
export function buildRegistry(areas: readonly Area[] = AREAS): Registry {
  return new Registry().add(...areas.flatMap((a) => a.actions));
}

/** How each area appears in the OpenAPI document (its tag) and on the docs page, from the reference's introductions. */
export const AREA_DOCS: Record<string, { title: string; description: string }> = {
  agents: { title: 'Agents', description: 'An agent is a type of user who communicates with customers.' },
  auto_access: {
    title: 'Auto access',
    description:
      'Auto access allows you to assign groups to a thread that will be created when a customer starts a chat, based on ' +
      "conditions matching the customer's geolocation and the page URL the customer is visiting.",
  },
  bots: {
    title: 'Bots',
    description: 'Bots are agents without passwords or e-mails, owned by an application (Client ID), optionally created from bot templates.',
  },
  groups: { title: 'Groups', description: 'Groups let you organize your work by creating teams with Agent and Bot members.' },
  properties: {
    title: 'Properties',
    description: 'Properties are key-value storages. Property configuration is owned by a Client Id (integration).',
  },
  tags: {
    title: 'Tags',
    description: 'Tags are simple text labels that can be used by agents to assign chats to pre-defined, custom categories.',
  },
  webhooks: { title: 'Webhooks', description: 'Webhooks registered per Client ID (application), and their state on each licence.' },
  other: { title: 'Other', description: 'Channels, product limits of plans and the product source of the licence.' },
};
