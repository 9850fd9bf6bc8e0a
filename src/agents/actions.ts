/**
 * The agents area's actions: create, get, list, update, delete, suspend, unsuspend, request_agent_unsuspension,
 * approve (+ batches). Schemas in schemas.ts, who may act on whom in rules.ts, what an update or deletion changes in
 * changes.ts.
 */
import { RawJson } from '../kernel/raw-json.js';
import { ApiError } from '../kernel/errors.js';
import { defineAction, type ActionContext, type BatchOutcome } from '../kernel/registry.js';
import { hasScope, requireScopes } from '../kernel/scopes.js';
import { EmptyResponse } from '../kernel/responses.js';
import { Type, type Static } from '@sinclair/typebox';
import {
  assertGroupsExistIn,
  assertNoDuplicateGroups,
  memberOfAnyGroup,
  membershipsByAgent,
  addAgentGroups,
  addMemberships,
  groupsFoundIn,
  throwMissingGroup,
  type Membership,
} from '../groups/repo.js';
import { recordEvent, sourceOf } from '../webhooks/outbox.js';
import { agentsVersion } from '../tenancy/licenses.js';
import {
  AGENT_FIELDS,
  AgentView,
  ById,
  CreateAgent,
  CreateAgentResponse,
  Empty,
  GetAgent,
  ListAgents,
  UpdateAgent,
  checkWorkScheduler,
  uniqueList,
} from './schemas.js';
import { agentPrefetch, getAgentOrThrow, getAgentOrThrowIn, updateAgentColumnsAtCommit, findAgentColumns, insertAgent, insertAgents, listAgentRows, ownerAndViceownerIds, type AgentRow, type NewAgent } from './repo.js';
import { agentFullState, agentJson } from './view.js';
import { insertUnsuspensionRequest } from './unsuspension-requests.js';
import { assertCanGrantRole, assertRank, avatarOf, foldAgentId, isSelf } from './rules.js';
import { agentColumnChanges, applyAgentUpdate, deleteAgentRow } from './changes.js';

export const createAgent = defineAction({
  name: 'create_agent',
  area: 'agents',
  summary: 'Creates a new agent with specified parameters within a license.',
  description: 'Creates a new agent within the licence.',
  schema: CreateAgent,
  response: CreateAgentResponse,
  scopes: ['accounts--all:rc', 'accounts--all:rw', 'subscription.lc:rw', 'accounts.roles.lc--all:rw'],
  anyOf: ['accounts--all:rc'],
  batch: 'batch_create_agents',
  async handler(ctx, input) {
    const { caller } = ctx;
    const { agent, groups } = newAgentOf(ctx, input);
    return ctx.tx(async (tx) => {
      await assertGroupsExistIn(tx, caller.licenseId, groups.map((g) => g.id));
      const row = await insertAgent(tx, caller.licenseId, agent);
      await addAgentGroups(tx.db, caller.licenseId, row.id, groups);
      await recordEvent(tx, sourceOf(caller), 'agent_created', agentFullState(row, groups));
      return { id: row.id };
    });
  },
  /** The same for every item at once: one group lookup, one insert of the agents, one of their memberships. */
  async handleMany(ctx, inputs) {
    const { caller } = ctx;
    const out = new Array<BatchOutcome>(inputs.length);
    const checked: Array<{ at: number } & ReturnType<typeof newAgentOf>> = [];
    for (const [at, input] of inputs.entries()) {
      try {
        checked.push({ at, ...newAgentOf(ctx, input) });
      } catch (error) {
        out[at] = { ok: false, error };
      }
    }
    return ctx.tx(async (tx) => {
      const found = await groupsFoundIn(tx, caller.licenseId, checked.flatMap((c) => c.groups.map((g) => g.id)));
      const creating = checked.filter((c) => {
        try {
          throwMissingGroup(c.groups.map((g) => g.id), found);
          return true;
        } catch (error) {
          out[c.at] = { ok: false, error };
          return false;
        }
      });
      const rows = await insertAgents(tx, caller.licenseId, creating.map((c) => c.agent));
      const created: Array<{ row: AgentRow; groups: Membership[] }> = [];
      for (const [k, c] of creating.entries()) {
        const row = rows[k];
        if (row) created.push({ row, groups: c.groups });
        out[c.at] = row ? { ok: true, answer: { id: row.id } } : { ok: false, error: new ApiError('already_exists', `Agent ${c.agent.id} already exists`) };
      }
      await addMemberships(tx.db, caller.licenseId, created.map(({ row, groups }) => ({ agentId: row.id, groups })));
      for (const { row, groups } of created) await recordEvent(tx, sourceOf(caller), 'agent_created', agentFullState(row, groups));
      return out;
    });
  },
});

/** A new agent from create_agent's input: what the caller may create, checked (no stored data read), and its groups. */
function newAgentOf(ctx: ActionContext, input: Static<typeof CreateAgent>): { agent: NewAgent; groups: Membership[] } {
  const { caller } = ctx;
  const role = input.role ?? 'normal';
  const avatar = avatarOf(input);
  assertCanGrantRole(caller, role);
  const canActivate = hasScope(caller.scopes, 'accounts--all:rw') && hasScope(caller.scopes, 'subscription.lc:rw');
  if (input.awaiting_approval === false && !hasScope(caller.scopes, 'subscription.lc:rw')) {
    throw new ApiError('authorization', 'Only a requester with the subscription.lc:rw scope can set `awaiting_approval` to false');
  }
  const awaiting = input.awaiting_approval ?? !canActivate;
  const groups = input.groups ?? [];
  assertNoDuplicateGroups(groups);
  const ws = input.work_scheduler ? checkWorkScheduler(input.work_scheduler, { zoneOptional: ctx.rules.agentScheduleZone === 'kept' }) : null;
  const notifications = uniqueList(input.notifications, 'notifications');
  const emailSubs = uniqueList(input.email_subscriptions, 'email_subscriptions');
  const agent: NewAgent = {
    id: input.id,
    name: input.name,
    role,
    avatar,
    login_status: input.login_status,
    job_title: input.job_title,
    mobile: input.mobile,
    max_chats_count: input.max_chats_count,
    awaiting_approval: awaiting,
    notifications,
    email_subscriptions: emailSubs,
    work_scheduler: ws,
  };
  return { agent, groups };
}

/** Columns agentJson reads: the base fields plus those of the requested `fields` (groups come from memberships). */
const BASE_COLUMNS = ['id', 'account_id', 'name', 'avatar', 'role', 'login_status'] as const;
function viewColumns(fields: ReadonlySet<string>): (keyof AgentRow)[] {
  const cols: (keyof AgentRow)[] = [...BASE_COLUMNS];
  for (const f of AGENT_FIELDS) if (f !== 'groups' && fields.has(f)) cols.push(f);
  return cols;
}

/** list_agents' filter on group ids, normalised (sorted, unique); undefined = no filter. */
const groupFilter = (ids: readonly number[] | undefined): number[] | undefined =>
  ids === undefined ? undefined : [...new Set(ids)].sort((a, b) => a - b);

export const getAgent = defineAction({
  name: 'get_agent',
  area: 'agents',
  summary: 'It returns the info about an Agent specified by `id`.',
  description: 'Returns an agent specified by id.',
  schema: GetAgent,
  response: AgentView,
  scopes: ['agents--my:ro', 'agents--all:ro'],
  authorize({ caller }, input) {
    if (!isSelf(caller, input.id)) requireScopes(caller.scopes, 'agents--all:ro');
  },
  /**
   * Many small answers. On PostgreSQL only on the versions the node heard (no read per call; the lookup itself is one
   * round trip, so a per-call version read would gain nothing).
   */
  cache: {
    // Ids differing only in ASCII letter case name the same agent (and so the same answer) in both stores.
    key: (input) => JSON.stringify([foldAgentId(input.id), [...new Set(input.fields ?? [])].sort()]),
    limits: { entries: 20_000, bytes: 8 * 1024 * 1024 },
    heardVersions: 'agents',
  },
  async handler(ctx, input) {
    const { caller } = ctx;
    const fields = new Set<string>(input.fields ?? []);
    // Any letter case, on the unique index; the type is checked on the row (see findAgent).
    const row = await findAgentColumns(ctx.db, caller.licenseId, input.id, [...viewColumns(fields), 'type']);
    if (!row || row.type !== 'agent') throw new ApiError('not_found', `Agent ${input.id} not found`);
    const groups = fields.has('groups') ? (await membershipsByAgent(ctx.db, caller.licenseId, [row.id])).get(row.id) : undefined;
    return new RawJson(Buffer.from(agentJson(row as AgentRow, groups, fields), 'utf8'));
  },
});

export const listAgents = defineAction({
  name: 'list_agents',
  area: 'agents',
  summary: 'Returns all Agents within a license.',
  description: 'Returns all agents within the licence.',
  schema: ListAgents,
  response: Type.Array(AgentView),
  scopes: ['agents--all:ro'],
  /**
   * Few, large answers (one per licence and request shape), also on PostgreSQL (keyed on the versions the node heard,
   * or on the licence's agents_version read per call while it cannot hear). Computed one at a time on SQLite, where the queries run synchronously anyway; two at a time
   * on PostgreSQL, so one computes while the other waits for the database.
   */
  cache: {
    key: (input) =>
      JSON.stringify([[...new Set(input.fields ?? [])].sort(), input.filters?.suspended ?? null, groupFilter(input.filters?.group_ids) ?? null]),
    limits: { entries: 64, bytes: 24 * 1024 * 1024 },
    postgresVersion: agentsVersion,
    heardVersions: 'agents',
    concurrency: { sqlite: 1, postgres: 2 },
  },
  async handler(ctx, input) {
    const { caller } = ctx;
    const fields = new Set<string>(input.fields ?? []);
    const filters = input.filters ?? {};
    const groupIds = groupFilter(filters.group_ids);
    if (groupIds !== undefined && groupIds.length === 0) return [];
    const rows = (await listAgentRows(ctx.db, caller.licenseId, viewColumns(fields), {
      suspended: filters.suspended,
      inGroups: groupIds === undefined ? undefined : memberOfAnyGroup(caller.licenseId, groupIds),
    })) as AgentRow[];
    const memberships = fields.has('groups') ? await membershipsByAgent(ctx.db, caller.licenseId) : undefined;
    const parts = rows.map((r) => agentJson(r, memberships?.get(r.id), fields));
    return RawJson.ofArray(parts);
  },
});

export const updateAgent = defineAction({
  name: 'update_agent',
  area: 'agents',
  summary: 'Updates the properties of an Agent specified by `id`.',
  description: 'Updates the properties of an agent specified by id.',
  schema: UpdateAgent,
  response: EmptyResponse,
  scopes: ['agents--my:rw', 'agents--all:rw', 'accounts.roles.lc--all:rw'],
  anyOf: ['agents--my:rw', 'agents--all:rw'],
  batch: 'batch_update_agents',
  async handler(ctx, input) {
    const { caller } = ctx;
    const self = isSelf(caller, input.id);
    if (!self) requireScopes(caller.scopes, 'agents--all:rw');
    if (input.groups) assertNoDuplicateGroups(input.groups);
    const avatar = avatarOf(input);
    await ctx.tx(async (tx) => {
      const row = await getAgentOrThrowIn(tx, caller.licenseId, input.id);
      if (!self) assertRank(caller, row.role, 'update');
      if (input.role !== undefined && input.role !== row.role) {
        if (row.role === 'owner') {
          throw new ApiError('validation', "The license owner's role cannot be changed");
        }
        // Any change of role, lowering included, needs the roles scope (update_agent footnote 2).
        requireScopes(caller.scopes, 'accounts.roles.lc--all:rw');
        assertCanGrantRole(caller, input.role);
      }
      await applyAgentUpdate(tx, caller, row, agentColumnChanges(row, { ...input, avatar }, ctx.rules), input.groups, 'agent_updated');
      if (input.role !== undefined) tx.signal('credentials-changed');
    }, { prefetch: [agentPrefetch(caller.licenseId, input.id)] });
    return {};
  },
});

export const deleteAgent = defineAction({
  name: 'delete_agent',
  area: 'agents',
  summary: 'Deletes an Agent specified by `id`.',
  description: 'Deletes an agent specified by id.',
  schema: ById,
  response: EmptyResponse,
  scopes: ['agents--my:rw', 'accounts--my:rw', 'agents--all:rw', 'accounts--all:rw'],
  anyOf: ['agents--my:rw', 'agents--all:rw'],
  batch: 'batch_delete_agents',
  async handler(ctx, input) {
    const { caller } = ctx;
    const self = isSelf(caller, input.id);
    if (self) requireScopes(caller.scopes, 'agents--my:rw', 'accounts--my:rw');
    else requireScopes(caller.scopes, 'agents--all:rw', 'accounts--all:rw');
    await ctx.tx(async (tx) => {
      const row = await getAgentOrThrowIn(tx, caller.licenseId, input.id);
      if (row.role === 'owner') throw new ApiError('validation', 'The license owner cannot be deleted');
      if (!self) assertRank(caller, row.role, 'delete');
      await deleteAgentRow(tx, ctx.cascades, caller.licenseId, row);
      await recordEvent(tx, sourceOf(caller), 'agent_deleted', { id: row.id });
    }, { prefetch: [agentPrefetch(caller.licenseId, input.id)] });
    return {};
  },
});

async function setFlag(
  ctx: ActionContext,
  id: string,
  column: 'suspended' | 'awaiting_approval',
  value: 0 | 1,
  event: 'agent_suspended' | 'agent_unsuspended' | 'agent_approved',
  check?: (row: AgentRow) => void,
): Promise<Record<string, never>> {
  const { caller } = ctx;
  await ctx.tx(async (tx) => {
    const row = await getAgentOrThrowIn(tx, caller.licenseId, id);
    check?.(row);
    if (row[column] === value) return; // already in the requested state: nothing changes, no event
    await updateAgentColumnsAtCommit(tx, caller.licenseId, row.id, { [column]: value });
    await recordEvent(tx, sourceOf(caller), event, { id: row.id });
    tx.signal('credentials-changed');
  }, { prefetch: [agentPrefetch(caller.licenseId, id)] });
  return {};
}

export const suspendAgent = defineAction({
  name: 'suspend_agent',
  area: 'agents',
  summary: 'Suspends an Agent specified by `id`.',
  description: 'Suspends an agent specified by id.',
  schema: ById,
  response: EmptyResponse,
  scopes: ['agents--all:rw', 'sessions--all:rw'],
  anyOf: ['agents--all:rw'],
  batch: 'batch_suspend_agents',
  async handler(ctx, input) {
    requireScopes(ctx.caller.scopes, 'agents--all:rw', 'sessions--all:rw');
    if (isSelf(ctx.caller, input.id)) throw new ApiError('validation', 'You cannot suspend yourself');
    return setFlag(ctx, input.id, 'suspended', 1, 'agent_suspended', (row) => {
      if (row.role === 'owner') throw new ApiError('validation', 'The license owner cannot be suspended');
      assertRank(ctx.caller, row.role, 'suspend');
    });
  },
});

export const unsuspendAgent = defineAction({
  name: 'unsuspend_agent',
  area: 'agents',
  summary: 'Unsuspends an Agent specified by `id`.',
  description: 'Unsuspends an agent specified by id.',
  schema: ById,
  response: EmptyResponse,
  scopes: ['agents--all:rw', 'accounts--all:rw', 'subscription.lc:rw'],
  anyOf: ['agents--all:rw'],
  batch: 'batch_unsuspend_agents',
  async handler(ctx, input) {
    requireScopes(ctx.caller.scopes, 'agents--all:rw', 'accounts--all:rw', 'subscription.lc:rw');
    return setFlag(ctx, input.id, 'suspended', 0, 'agent_unsuspended', (row) =>
      assertRank(ctx.caller, row.role, 'unsuspend'),
    );
  },
});

export const approveAgent = defineAction({
  name: 'approve_agent',
  area: 'agents',
  summary: 'Approves an Agent thus allowing the Agent to use the application.',
  description: 'Approves an agent, allowing it to use the application.',
  schema: ById,
  response: EmptyResponse,
  scopes: ['agents--all:rw', 'accounts--all:rw', 'subscription.lc:rw'],
  anyOf: ['agents--all:rw'],
  batch: 'batch_approve_agents',
  async handler(ctx, input) {
    requireScopes(ctx.caller.scopes, 'agents--all:rw', 'accounts--all:rw', 'subscription.lc:rw');
    return setFlag(ctx, input.id, 'awaiting_approval', 0, 'agent_approved');
  },
});

export const requestAgentUnsuspension = defineAction({
  name: 'request_agent_unsuspension',
  area: 'agents',
  summary: 'A suspended Agent can send emails to license owners and vice owners with an unsuspension request.',
  description: "A suspended agent asks the licence's owners and vice owners to unsuspend it.",
  schema: Empty,
  response: EmptyResponse,
  scopes: [],
  allowSuspended: true,
  async handler(ctx) {
    const { caller } = ctx;
    if (caller.agentType !== 'agent') throw new ApiError('validation', 'Only agents can request unsuspension');
    await ctx.tx(async (tx) => {
      const row = await getAgentOrThrow(tx.db, caller.licenseId, caller.agentId);
      if (row.suspended !== 1) throw new ApiError('validation', 'The agent is not suspended');
      const recipients = await ownerAndViceownerIds(tx.db, caller.licenseId);
      await insertUnsuspensionRequest(tx.db, caller.licenseId, row.id, recipients);
    });
    return {};
  },
});
