/**
 * The groups area's repository: the only module that reads and writes `groups` and `group_members`.
 * Group membership is one fact seen from both sides: an agent's (or bot's) `groups` and a group's
 * `agent_priorities` are both read from `group_members`.
 */
import type { ExpressionBuilder, Selectable } from 'kysely';
import { ApiError } from '../kernel/errors.js';
import { preparedQuery } from '../store/prepared-query.js';
import type { Tx } from '../store/transaction.js';
import type { Queryable } from '../store/store.js';
import type { Database } from '../store/schema.js';

export interface GroupsTable {
  license_id: number;
  id: number;
  name: string;
  language_code: string;
  routing_status: string;
  created_at: string;
}

export interface GroupMembersTable {
  license_id: number;
  group_id: number;
  agent_id: string;
  priority: string;
}

declare module '../store/schema.js' {
  interface Database {
    groups: GroupsTable;
    group_members: GroupMembersTable;
  }
}

/** A group as the group actions show it. */
export type GroupRow = Pick<Selectable<GroupsTable>, 'id' | 'name' | 'language_code' | 'routing_status'>;
const GROUP_COLUMNS = ['id', 'name', 'language_code', 'routing_status'] as const;

export const PRIORITIES = ['first', 'normal', 'last', 'supervisor'] as const;

export interface Membership {
  id: number;
  priority: string;
}

/**
 * Throws `group_not_found` naming the first id that is not a group of the licence. `known`: groups already found
 * (skipped, and those found here are added).
 */
export async function assertGroupsExist(db: Queryable, licenseId: number, ids: readonly number[], known = new Set<number>()): Promise<void> {
  await findGroups(db, licenseId, ids, known);
  throwMissingGroup(ids, known);
}

/** Adds to `known` (groups already found, not looked up again) those of `ids` that are groups of the licence. */
async function findGroups(db: Queryable, licenseId: number, ids: readonly number[], known: Set<number>): Promise<void> {
  const unique = [...new Set(ids)].filter((id) => !known.has(id));
  if (unique.length === 0) return;
  const rows = await db
    .selectFrom('groups')
    .select('id')
    .where('license_id', '=', licenseId)
    .where('id', 'in', unique)
    .execute();
  for (const r of rows) known.add(r.id);
}

/** `group_not_found` naming the first of `ids` not among the groups `found`. */
export function throwMissingGroup(ids: readonly number[], found: ReadonlySet<number>): void {
  const missing = ids.find((id) => !found.has(id));
  if (missing !== undefined) throw new ApiError('group_not_found', `Group ${missing} not found`);
}

/** The transaction's set of groups known to exist (remembered for the rest of a batch call, see below). */
const knownGroups = (tx: Tx, licenseId: number): Promise<Set<number>> => tx.memo(`groups:${licenseId}`, async () => new Set<number>());

/**
 * `assertGroupsExist` inside a transaction. Within a batch call, groups found once are not looked up again: the
 * transaction holds the licence lock that every group change takes, and batchable actions do not delete groups.
 */
export async function assertGroupsExistIn(tx: Tx, licenseId: number, ids: readonly number[]): Promise<void> {
  if (ids.length === 0) return;
  await assertGroupsExist(tx.db, licenseId, ids, await knownGroups(tx, licenseId));
}

/**
 * Which of `ids` (e.g. every item's of a batch call, looked up in one statement) are groups of the licence; check
 * each item's with `throwMissingGroup`.
 */
export async function groupsFoundIn(tx: Tx, licenseId: number, ids: readonly number[]): Promise<ReadonlySet<number>> {
  const known = await knownGroups(tx, licenseId);
  if (ids.length > 0) await findGroups(tx.db, licenseId, ids, known);
  return known;
}

/** The licence's "General" group (id 0), made with the licence. */
export async function createGeneralGroup(trx: Queryable, licenseId: number, now: string): Promise<void> {
  await trx
    .insertInto('groups')
    .values({ license_id: licenseId, id: 0, name: 'General', language_code: 'en', routing_status: 'offline', created_at: now })
    .execute();
}

/** One group of the licence, or undefined. */
export function findGroup(db: Queryable, licenseId: number, id: number): Promise<GroupRow | undefined> {
  return db.selectFrom('groups').select(GROUP_COLUMNS).where('license_id', '=', licenseId).where('id', '=', id).executeTakeFirst();
}

/** Every group of the licence, by id. */
export function listGroupRows(db: Queryable, licenseId: number): Promise<GroupRow[]> {
  return db.selectFrom('groups').select(GROUP_COLUMNS).where('license_id', '=', licenseId).orderBy('id').execute();
}

/** The ids of every group of the licence, ascending. */
export async function groupIdsOf(db: Queryable, licenseId: number): Promise<number[]> {
  const rows = await db.selectFrom('groups').select('id').where('license_id', '=', licenseId).orderBy('id').execute();
  return rows.map((g) => g.id);
}

/** Insert a new group (its id allocated by the licence, see tenancy's `allocateGroupId`). */
export async function insertGroup(trx: Queryable, row: Selectable<GroupsTable>): Promise<void> {
  await trx.insertInto('groups').values(row).execute();
}

/** Write the changed columns of a group. */
export async function updateGroupColumns(
  trx: Queryable,
  licenseId: number,
  id: number,
  set: { name?: string; language_code?: string },
): Promise<void> {
  await trx.updateTable('groups').set(set).where('license_id', '=', licenseId).where('id', '=', id).execute();
}

/** How many groups the licence has (General included). */
export async function countGroups(db: Queryable, licenseId: number): Promise<number> {
  const row = await db.selectFrom('groups').select((eb) => eb.fn.countAll().as('n')).where('license_id', '=', licenseId).executeTakeFirstOrThrow();
  return Number(row.n);
}

/** Agents (and bots) that belong to more than `limit` groups, with how many, by agent id. */
export async function agentsInMoreGroupsThan(db: Queryable, licenseId: number, limit: number): Promise<{ agentId: string; groups: number }[]> {
  const rows = await db
    .selectFrom('group_members')
    .select((eb) => ['agent_id', eb.fn.countAll<number>().as('n')])
    .where('license_id', '=', licenseId)
    .groupBy('agent_id')
    .having((eb) => eb.fn.countAll(), '>', limit)
    .orderBy('agent_id')
    .execute();
  return rows.map((r) => ({ agentId: r.agent_id, groups: Number(r.n) }));
}

/**
 * A condition on `agents` rows (for the agents repository's list query): the agent belongs to any of `groupIds`.
 * An EXISTS on the primary key of `group_members`, correlated with `agents.id`, so that list_agents stays one
 * statement; built here, the owner of `group_members`.
 */
export const memberOfAnyGroup = (licenseId: number, groupIds: readonly number[]) => (eb: ExpressionBuilder<Database, 'agents'>) =>
  eb.exists(
    eb
      .selectFrom('group_members as gm')
      .select('gm.agent_id')
      .where('gm.license_id', '=', licenseId)
      .whereRef('gm.agent_id', '=', 'agents.id')
      .where('gm.group_id', 'in', groupIds as number[]),
  );

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
  await addMemberships(trx, licenseId, [{ agentId, groups }]);
}

/** `addAgentGroups` of several new agents or bots, in one statement. */
export async function addMemberships(
  trx: Queryable,
  licenseId: number,
  agents: ReadonlyArray<{ agentId: string; groups: readonly Membership[] }>,
): Promise<void> {
  const rows = agents.flatMap(({ agentId, groups }) =>
    groups.map((g) => ({ license_id: licenseId, group_id: g.id, agent_id: agentId, priority: g.priority })),
  );
  if (rows.length === 0) return;
  await trx.insertInto('group_members').values(rows).execute();
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
