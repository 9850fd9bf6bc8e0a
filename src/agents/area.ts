/** The agents area: its actions, and the agent ids it resolves for the groups area (a cascade, kernel/cascades.ts). */
import type { Area } from '../kernel/area.js';
import {
  approveAgent,
  createAgent,
  deleteAgent,
  getAgent,
  listAgents,
  requestAgentUnsuspension,
  suspendAgent,
  unsuspendAgent,
  updateAgent,
} from './actions.js';
import { resolveAgentIds } from './repo.js';

export const agentsArea: Area = {
  name: 'agents',
  actions: [
    createAgent, getAgent, listAgents, updateAgent, deleteAgent, suspendAgent, unsuspendAgent,
    requestAgentUnsuspension, approveAgent,
  ],
  resolveAgentIds,
};
