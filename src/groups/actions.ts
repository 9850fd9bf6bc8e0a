/** Groups: create, update, delete, list, get. Group 0 ("General") exists on every licence and cannot be deleted. */
import { Type } from '@sinclair/typebox';
import { ApiError } from '../kernel/errors.js';
import { defineAction, type Caller } from '../kernel/registry.js';
import type { Cascades } from '../kernel/area.js';
import { requireScopes } from '../kernel/scopes.js';
import type { Queryable } from '../store/store.js';
import { literalUnion } from '../kernel/schema.js';
import { EmptyResponse } from '../kernel/responses.js';
import { recordEvent, sourceOf } from '../webhooks/outbox.js';
import {
  PRIORITIES,
  deleteGroupRow,
  findGroup,
  groupIdsOfAgent,
  insertGroup,
  listGroupRows,
  prioritiesByGroup,
  removeGroupMembers,
  replaceGroupMembers,
  updateGroupColumns,
  type GroupRow,
} from './repo.js';
import { allocateGroupId } from '../tenancy/licenses.js';

export const GROUP_FIELDS = ['agent_priorities', 'routing_status'] as const;
const GroupId = Type.Integer({ minimum: 0 });
const Name = Type.String({ minLength: 1, maxLength: 180 });
const LanguageCode = Type.String({ minLength: 2, maxLength: 10, pattern: '^[a-zA-Z]{2,3}([-_][a-zA-Z0-9]{2,8})?$', errorMessage: 'should be a language code, e.g. "en"' });
const AgentPriorities = Type.Record(Type.String({ minLength: 1 }), literalUnion(PRIORITIES));
const Fields = Type.Array(literalUnion(GROUP_FIELDS));

const CreateGroup = Type.Object(
  { name: Name, language_code: Type.Optional(LanguageCode), agent_priorities: AgentPriorities },
  { additionalProperties: false },
);
const UpdateGroup = Type.Object(
  {
    id: GroupId,
    name: Type.Optional(Name),
    language_code: Type.Optional(LanguageCode),
    agent_priorities: Type.Optional(AgentPriorities),
  },
  { additionalProperties: false },
);
const ById = Type.Object({ id: GroupId }, { additionalProperties: false });
const GetGroup = Type.Object({ id: GroupId, fields: Type.Optional(Fields) }, { additionalProperties: false });
const ListGroups = Type.Object({ fields: Type.Optional(Fields) }, { additionalProperties: false });

/** get_group / list_groups (examples/groups/getGroup.json): base fields plus the `fields[]` extras. */
const GroupView = Type.Object(
  {
    id: Type.Integer(),
    name: Type.String(),
    language_code: Type.String(),
    agent_priorities: Type.Optional(Type.Record(Type.String(), literalUnion(PRIORITIES))),
    routing_status: Type.Optional(Type.String()),
  },
  { additionalProperties: false, title: 'Group' },
);

function groupView(g: GroupRow, priorities: Record<string, string> | undefined, fields: ReadonlySet<string>) {
  const out: Record<string, unknown> = { id: g.id, name: g.name, language_code: g.language_code };
  if (fields.has('agent_priorities')) out.agent_priorities = priorities ?? {};
  if (fields.has('routing_status')) out.routing_status = g.routing_status;
  return out;
}

async function getGroupOrThrow(db: Queryable, licenseId: number, id: number): Promise<GroupRow> {
  const g = await findGroup(db, licenseId, id);
  if (!g) throw new ApiError('group_not_found', `Group ${id} not found`);
  return g;
}

/**
 * `agent_priorities` with its keys as the agents (or bots) were created: keys name them in any letter case (resolved
 * by the agents area, above this one, through the cascades). An unknown key → `not_found`; two keys naming the same
 * agent → `validation`.
 */
async function canonicalPriorities(
  db: Queryable,
  cascades: Pick<Cascades, 'resolveAgentIds'>,
  licenseId: number,
  priorities: Record<string, string>,
): Promise<Record<string, string>> {
  const given = Object.keys(priorities);
  const ids = await cascades.resolveAgentIds(db, licenseId, given);
  const out: Record<string, string> = {};
  for (const key of given) {
    const id = ids.get(key);
    if (id === undefined) throw new ApiError('not_found', `Agent ${key} not found`);
    if (Object.hasOwn(out, id)) throw new ApiError('validation', `\`agent_priorities\` names agent ${id} more than once`);
    out[id] = priorities[key]!;
  }
  return out;
}

/** `groups--my:*` reaches groups the caller belongs to; others need `groups--all:*`. */
async function requireGroupReach(db: Queryable, caller: Caller, groupId: number, access: 'ro' | 'rw') {
  const mine = await groupIdsOfAgent(db, caller.licenseId, caller.agentId);
  if (!mine.includes(groupId)) requireScopes(caller.scopes, `groups--all:${access}`);
}

export const createGroup = defineAction({
  name: 'create_group',
  area: 'groups',
  summary: 'Creates a new group.',
  description: 'Creates a new group.',
  schema: CreateGroup,
  response: Type.Object({ id: Type.Integer() }, { additionalProperties: false }),
  scopes: ['groups--all:rw'],
  async handler(ctx, input) {
    const { caller } = ctx;
    if (ctx.rules.groupNeedsNormalPriority && !Object.values(input.agent_priorities).includes('normal')) {
      throw new ApiError('validation', '`agent_priorities` needs at least one agent with the `normal` priority');
    }
    return ctx.tx(async (tx) => {
      const priorities = await canonicalPriorities(tx.db, ctx.cascades, caller.licenseId, input.agent_priorities);
      const id = await allocateGroupId(tx.db, caller.licenseId);
      const row = { license_id: caller.licenseId, id, name: input.name, language_code: input.language_code ?? 'en', routing_status: 'offline', created_at: new Date().toISOString() };
      await insertGroup(tx.db, row);
      await replaceGroupMembers(tx.db, caller.licenseId, id, priorities);
      await recordEvent(tx, sourceOf(caller), 'group_created', {
        id,
        name: row.name,
        language_code: row.language_code,
        agent_priorities: priorities,
      });
      return { id };
    });
  },
});

export const updateGroup = defineAction({
  name: 'update_group',
  area: 'groups',
  summary: 'Updates an existing group.',
  description: 'Updates an existing group; fields given replace the stored ones.',
  schema: UpdateGroup,
  response: EmptyResponse,
  scopes: ['groups--my:rw', 'groups--all:rw'],
  async handler(ctx, input) {
    const { caller } = ctx;
    await ctx.tx(async (tx) => {
      const g = await getGroupOrThrow(tx.db, caller.licenseId, input.id);
      await requireGroupReach(tx.db, caller, g.id, 'rw');
      const changed: Record<string, unknown> = {};
      const set: { name?: string; language_code?: string } = {};
      if (input.name !== undefined && input.name !== g.name) set.name = changed.name = input.name;
      if (input.language_code !== undefined && input.language_code !== g.language_code) {
        set.language_code = changed.language_code = input.language_code;
      }
      if (Object.keys(set).length) {
        await updateGroupColumns(tx.db, caller.licenseId, g.id, set);
      }
      if (input.agent_priorities !== undefined) {
        const priorities = await canonicalPriorities(tx.db, ctx.cascades, caller.licenseId, input.agent_priorities);
        const current = (await prioritiesByGroup(tx.db, caller.licenseId, [g.id])).get(g.id) ?? {};
        const sorted = (m: Record<string, string>) => JSON.stringify(Object.entries(m).sort(([a], [b]) => (a < b ? -1 : 1)));
        if (sorted(current) !== sorted(priorities)) {
          await replaceGroupMembers(tx.db, caller.licenseId, g.id, priorities);
          changed.agent_priorities = priorities;
        }
      }
      if (Object.keys(changed).length) await recordEvent(tx, sourceOf(caller), 'group_updated', { id: g.id, ...changed });
      if (input.agent_priorities !== undefined) tx.signal('credentials-changed');
    });
    return {};
  },
});

export const deleteGroup = defineAction({
  name: 'delete_group',
  area: 'groups',
  summary: 'Deletes an existing group.',
  description: 'Deletes an existing group and its memberships.',
  schema: ById,
  response: EmptyResponse,
  scopes: ['groups--my:rw', 'groups--all:rw'],
  async handler(ctx, input) {
    const { caller } = ctx;
    await ctx.tx(async (tx) => {
      const g = await getGroupOrThrow(tx.db, caller.licenseId, input.id);
      if (g.id === 0) throw new ApiError('validation', 'The General group (id 0) cannot be deleted');
      await requireGroupReach(tx.db, caller, g.id, 'rw');
      await removeGroupMembers(tx.db, caller.licenseId, g.id);
      await ctx.cascades.groupDeleted(tx, sourceOf(caller), g.id);
      await deleteGroupRow(tx.db, caller.licenseId, g.id);
      await recordEvent(tx, sourceOf(caller), 'group_deleted', { id: g.id });
      tx.signal('credentials-changed');
    });
    return {};
  },
});

export const listGroups = defineAction({
  name: 'list_groups',
  area: 'groups',
  summary: 'Lists all the exisiting groups.',
  description: 'Lists all groups of the licence.',
  schema: ListGroups,
  response: Type.Array(GroupView),
  scopes: ['groups--all:ro'],
  async handler(ctx, input) {
    const { caller } = ctx;
    const fields = new Set<string>(input.fields ?? []);
    const rows = await listGroupRows(ctx.db, caller.licenseId);
    const priorities = fields.has('agent_priorities') ? await prioritiesByGroup(ctx.db, caller.licenseId) : undefined;
    return rows.map((g) => groupView(g, priorities?.get(g.id), fields));
  },
});

export const getGroup = defineAction({
  name: 'get_group',
  area: 'groups',
  summary: 'Returns details about a group specified by its `id`.',
  description: 'Returns a group specified by id.',
  schema: GetGroup,
  response: GroupView,
  scopes: ['groups--my:ro', 'groups--all:ro'],
  async handler(ctx, input) {
    const { caller } = ctx;
    const g = await getGroupOrThrow(ctx.db, caller.licenseId, input.id);
    await requireGroupReach(ctx.db, caller, g.id, 'ro');
    const fields = new Set<string>(input.fields ?? []);
    const priorities = fields.has('agent_priorities') ? (await prioritiesByGroup(ctx.db, caller.licenseId, [g.id])).get(g.id) : undefined;
    return groupView(g, priorities, fields);
  },
});
