/**
 * Product limits per plan (check_product_limits_for_plan). `null` = unlimited. Only resources this service holds
 * data for are compared; the others (banned customers, queues, group chooser) can never be reported as exceeded.
 */
import type { Queryable } from '../store/store.js';
import type { Plan } from '../tenancy/licenses.js';
import { countActiveAgents } from '../agents/repo.js';
import { agentsInMoreGroupsThan, countGroups } from '../groups/repo.js';
import { countRules } from '../auto-access/repo.js';

/**
 * The resources of the spec's table this service holds data for. The others (`banned`, `queue`, `queue_continuous`,
 * `group_chooser_groups`) are chat-side: never exceeded here.
 */
export const TRACKED_RESOURCES = ['agents', 'groups', 'groups_per_agent', 'access_rules'] as const;
export type TrackedResource = (typeof TRACKED_RESOURCES)[number];

export const PLAN_LIMITS: Record<Plan, Record<TrackedResource, number | null>> = {
  starter: { agents: 1, groups: 1, groups_per_agent: 1, access_rules: 0 },
  team: { agents: 100, groups: 5, groups_per_agent: 5, access_rules: 10 },
  enterprise: { agents: 1000, groups: 500, groups_per_agent: 500, access_rules: 500 },
  enterpriseplus: { agents: null, groups: null, groups_per_agent: null, access_rules: null },
};

export interface ExceededLimit {
  resource: string;
  /** How far the current amount is over the plan's limit. */
  limit_balance: number;
  id?: string;
}

/**
 * Resources of the licence over the plan's limits: active agents (bots included, suspended ones not), groups
 * (General included), groups per agent or bot (one item per agent, `id` = agent id), access rules.
 */
export async function exceededLimits(db: Queryable, licenseId: number, plan: Plan): Promise<ExceededLimit[]> {
  const limits = PLAN_LIMITS[plan];
  const out: ExceededLimit[] = [];
  const over = (resource: TrackedResource, amount: number, id?: string) => {
    const limit = limits[resource];
    if (limit !== null && amount > limit) out.push({ resource, limit_balance: amount - limit, ...(id !== undefined ? { id } : {}) });
  };
  if (limits.agents !== null) over('agents', await countActiveAgents(db, licenseId));
  if (limits.groups !== null) over('groups', await countGroups(db, licenseId));
  if (limits.groups_per_agent !== null) {
    for (const r of await agentsInMoreGroupsThan(db, licenseId, limits.groups_per_agent)) over('groups_per_agent', r.groups, r.agentId);
  }
  if (limits.access_rules !== null) over('access_rules', await countRules(db, licenseId));
  return out;
}
