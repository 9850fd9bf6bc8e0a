/**
 * Group membership is one fact seen from both sides: an agent's (or bot's) `groups` and a group's
 * `agent_priorities` are both read from `group_members`.
 */
import { ApiError } from '../kernel/errors.js';
import { preparedQuery, transactionMemo, type Queryable } from '../store/db.js';

export const PRIORITIES = ['first', 'normal', 'last', 'supervisor'] as const;
export type Priority = (typeof PRIORITIES)[number];

export interface Membership {
  id: number;
  priority: string;
}

/** Throws `group_not_found` naming the first id that is not a group of the licence. */
export async function assertGroupsExist(db: Queryable, licenseId: number, ids: readonly number[]): Promise<void> {
  if (ids.length === 0) return;
  // Within a batch call, groups found once are not looked up again: the transaction holds the licence lock that
  // every group change takes, and batchable actions do not delete groups.
  const known = await transactionMemo(db, `groups:${licenseId}`, async () => new Set<number>());
  const unique = [...new Set(ids)].filter((id) => !known.has(id));
  if (unique.length === 0) return;
  const rows = await db
    .selectFrom('groups')
    .select('id')
    .where('license_id', '=', licenseId)
    .where('id', 'in', unique)
    .execute();
  for (const r of rows) known.add(r.id);
  if (rows.length === unique.length) return;
  const missing = unique.find((id) => !known.has(id));
  throw new ApiError('group_not_found', `Group ${missing} not found`);
}

/** The licence's "General" group (id 0), made with the licence. */
export async function createGeneralGroup(trx: Queryable, licenseId: number, now: string): Promise<void> {
  await trx
    .insertInto('groups')
    .values({ license_id: licenseId, id: 0, name: 'General', language_code: 'en', routing_status: 'offline', created_at: now })
    .execute();
}

/** Reject the same group twice in one `groups` list. */
export function assertNoDuplicateGroups(groups: readonly { id: number }[], field = 'groups'): void {
  const seen = new Set<number>();
  for (const g of groups) {
    if (seen.has(g.id)) throw new ApiError('validation', `\`${field}\` lists group ${g.id} more than once`);
    seen.add(g.id);
  }
}

/** Memberships of the given agents (all agents of the licence when `agentIds` is omitted), in group order. */
export async function membershipsByAgent(
  db: Queryable,
  licenseId: number,
  agentIds?: readonly string[],
): Promise<Map<string, Membership[]>> {
  const out = new Map<string, Membership[]>();
  if (agentIds && agentIds.length === 0) return out;
  let q = db
    .selectFrom('group_members')
    .select(['agent_id', 'group_id', 'priority'])
    .where('license_id', '=', licenseId);
  if (agentIds) q = q.where('agent_id', 'in', agentIds as string[]);
  const rows = await q.orderBy('group_id').execute();
  for (const r of rows) {
    let list = out.get(r.agent_id);
    if (!list) out.set(r.agent_id, (list = []));
    list.push({ id: r.group_id, priority: r.priority });
  }
  return out;
}

/** `agent_priorities` maps of the given groups (all groups when omitted). */
export async function prioritiesByGroup(
  db: Queryable,
  licenseId: number,
  groupIds?: readonly number[],
): Promise<Map<number, Record<string, string>>> {
  const out = new Map<number, Record<string, string>>();
  if (groupIds && groupIds.length === 0) return out;
  let q = db
    .selectFrom('group_members')
    .select(['agent_id', 'group_id', 'priority'])
    .where('license_id', '=', licenseId);
  if (groupIds) q = q.where('group_id', 'in', groupIds as number[]);
  const rows = await q.orderBy('agent_id').execute();
  for (const r of rows) {
    let map = out.get(r.group_id);
    if (!map) out.set(r.group_id, (map = {}));
    map[r.agent_id] = r.priority;
  }
  return out;
}

const deleteAgentMemberships = preparedQuery(2, (db, licenseId: number, agentId: string) =>
  db.deleteFrom('group_members').where('license_id', '=', licenseId).where('agent_id', '=', agentId),
);

/** Replace all memberships of one agent or bot (groups must already be checked). */
export async function replaceAgentGroups(
  trx: Queryable,
  licenseId: number,
  agentId: string,
  groups: readonly Membership[],
): Promise<void> {
  await deleteAgentMemberships(trx, licenseId, agentId);
  await addAgentGroups(trx, licenseId, agentId, groups);
}

/** Memberships of an agent or bot created in this transaction (it has none yet; groups must already be checked). */
export async function addAgentGroups(
  trx: Queryable,
  licenseId: number,
  agentId: string,
  groups: readonly Membership[],
): Promise<void> {
  if (groups.length === 0) return;
  await trx
    .insertInto('group_members')
    .values(groups.map((g) => ({ license_id: licenseId, group_id: g.id, agent_id: agentId, priority: g.priority })))
    .execute();
}

/** Replace the whole `agent_priorities` map of one group (agents must already be checked). */
export async function replaceGroupMembers(
  trx: Queryable,
  licenseId: number,
  groupId: number,
  priorities: Record<string, string>,
): Promise<void> {
  await trx.deleteFrom('group_members').where('license_id', '=', licenseId).where('group_id', '=', groupId).execute();
  const entries = Object.entries(priorities);
  if (entries.length === 0) return;
  await trx
    .insertInto('group_members')
    .values(entries.map(([agentId, priority]) => ({ license_id: licenseId, group_id: groupId, agent_id: agentId, priority })))
    .execute();
}

export async function removeAgentFromGroups(trx: Queryable, licenseId: number, agentId: string): Promise<void> {
  await deleteAgentMemberships(trx, licenseId, agentId);
}

/** Group ids the agent belongs to. */
export async function groupIdsOfAgent(db: Queryable, licenseId: number, agentId: string): Promise<number[]> {
  const rows = await db
    .selectFrom('group_members')
    .select('group_id')
    .where('license_id', '=', licenseId)
    .where('agent_id', '=', agentId)
    .execute();
  return rows.map((r) => r.group_id);
}

/** Every membership of a group (it is being deleted). */
export async function removeGroupMembers(trx: Queryable, licenseId: number, groupId: number): Promise<void> {
  await trx.deleteFrom('group_members').where('license_id', '=', licenseId).where('group_id', '=', groupId).execute();
}

/** Delete a group row (its memberships and what other areas keep per group are removed first). */
export async function deleteGroupRow(trx: Queryable, licenseId: number, groupId: number): Promise<void> {
  await trx.deleteFrom('groups').where('license_id', '=', licenseId).where('id', '=', groupId).execute();
}
