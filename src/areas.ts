/** The one list of every area's actions. Each area exports an array; add new areas here. */
import { Registry } from './kernel/registry.js';
import { agentActions } from './agents/actions.js';
import { groupActions } from './groups/actions.js';
import { botActions } from './bots/actions.js';
import { tagActions } from './tags/actions.js';
import { autoAccessActions } from './auto-access/actions.js';
import { otherActions } from './other/actions.js';
import { propertyActions } from './properties/actions.js';
import { webhookActions } from './webhooks/actions.js';

export function buildRegistry(): Registry {
  return new Registry().add(
    ...agentActions,
    ...groupActions,
    ...botActions,
    ...tagActions,
    ...autoAccessActions,
    ...otherActions,
    ...propertyActions,
    ...webhookActions,
  );
}
