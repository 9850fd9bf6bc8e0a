/** The one list of every area's actions. Each area exports an array; add new areas here. */
import { Registry } from './registry.js';
import { agentActions } from '../agents/actions.js';
import { groupActions } from '../groups/actions.js';
import { webhookActions } from '../webhooks/actions.js';

export function buildRegistry(): Registry {
  return new Registry().add(...agentActions, ...groupActions, ...webhookActions);
}
