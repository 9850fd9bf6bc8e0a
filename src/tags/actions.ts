/**
 * Tags: create, update, delete, list. A tag is identified by its name: unique per licence ignoring letter case
 * (create), matched exactly (update, delete). Its groups live in `tag_groups`.
 * `tags--all:*` reaches every tag; `tags--groups:*` only tags that have groups, all of them the caller's.
 */
import { Type } from '@sinclair/typebox';
import { NO_ASTRAL_NONCHARACTERS, REFUSED_CHARS } from '../kernel/schema.js';
import { ApiError } from '../kernel/errors.js';
import { defineAction, type Caller } from '../kernel/registry.js';
import { EmptyResponse } from '../kernel/responses.js';
import { hasScope } from '../kernel/scopes.js';
import type { Queryable } from '../store/store.js';
import { assertGroupsExistIn, groupIdsOfAgent } from '../groups/repo.js';
import type { EventSource } from '../kernel/area.js';
import { recordEvent, sourceOf } from '../webhooks/outbox.js';
import {
  deleteTagRow,
  findTagRow,
  groupsByTag,
  insertTag,
  listTagRows,
  nameKey,
  removeGroupFromTags,
  replaceTagGroups,
  tagNameOf,
} from './repo.js';
import type { Tx } from '../store/transaction.js';

export const TAG_NAME_MAX = 255;
const Name = Type.String({
  minLength: 1,
  maxLength: TAG_NAME_MAX,
  // at least one non-blank character, no control characters or noncharacters (identifier rules, docs/decisions.md)
  pattern: `^${NO_ASTRAL_NONCHARACTERS}[^${REFUSED_CHARS}]*[^\\s${REFUSED_CHARS}][^${REFUSED_CHARS}]*$`,
  errorMessage: `should be a non-blank string of at most ${TAG_NAME_MAX} characters without control characters or Unicode noncharacters`,
});
const GroupIds = Type.Array(Type.Integer({ minimum: 0 }), { uniqueItems: true });

const TagWrite = Type.Object({ name: Name, group_ids: Type.Optional(GroupIds) }, { additionalProperties: false });
const DeleteTag = Type.Object({ name: Name }, { additionalProperties: false });
const ListTags = Type.Object(
  { filters: Type.Optional(Type.Object({ group_ids: GroupIds }, { additionalProperties: false })) },
  { additionalProperties: false },
);

export interface Tag {
  name: string;
  group_ids: number[];
  author_id: string;
  created_at: string;
}

/** One tag of list_tags (examples/tags/listTags.json). */
const TagView = Type.Object(
  {
    name: Type.String(),
    group_ids: Type.Array(Type.Integer()),
    author_id: Type.String(),
    created_at: Type.String({ format: 'date-time' }),
  },
  { additionalProperties: false, title: 'Tag' },
);

/** RFC 3339 with microsecond digits, as the spec's examples show (`2019-12-09T12:01:18.909000Z`). */
export const tagTimestamp = (d = new Date()): string => d.toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');

/** The tag whose name matches exactly (letter case respected), or `not_found`. */
async function getTagOrThrow(db: Queryable, licenseId: number, name: string): Promise<Tag & { name_key: string }> {
  const row = await findTagRow(db, licenseId, nameKey(name));
  if (!row || row.name !== name) throw new ApiError('not_found', `Tag ${JSON.stringify(name)} not found`);
  const groups = await groupsByTag(db, licenseId, [row.name_key]);
  return { name: row.name, name_key: row.name_key, group_ids: groups.get(row.name_key) ?? [], author_id: row.author_id, created_at: row.created_at };
}

/**
 * The caller's reach for tags: null = every tag (`tags--all:<access>`), otherwise the caller's group ids
 * (`tags--groups:<access>`).
 */
async function tagReach(db: Queryable, caller: Caller, access: 'ro' | 'rw'): Promise<Set<number> | null> {
  if (hasScope(caller.scopes, `tags--all:${access}`)) return null;
  return new Set(await groupIdsOfAgent(db, caller.licenseId, caller.agentId));
}

const withinReach = (reach: Set<number> | null, groupIds: readonly number[]): boolean =>
  reach === null || (groupIds.length > 0 && groupIds.every((g) => reach.has(g)));

function requireReach(reach: Set<number> | null, groupIds: readonly number[], what: string): void {
  if (withinReach(reach, groupIds)) return;
  throw new ApiError(
    'authorization',
    `With tags--groups scopes ${what} must have groups, all of them groups you belong to (tags--all scopes reach every tag)`,
  );
}

const sortedIds = (ids: readonly number[]): number[] => [...ids].sort((a, b) => a - b);

export const createTag = defineAction({
  name: 'create_tag',
  area: 'tags',
  summary: 'Creates a new tag.',
  description: 'Creates a new tag; names are unique per licence ignoring letter case.',
  schema: TagWrite,
  response: EmptyResponse,
  scopes: ['tags--all:rw', 'tags--groups:rw'],
  async handler(ctx, input) {
    const { caller } = ctx;
    const groupIds = sortedIds(input.group_ids ?? []);
    await ctx.tx(async (tx) => {
      // Reach first, so a `tags--groups` caller cannot probe which group ids exist.
      requireReach(await tagReach(tx.db, caller, 'rw'), groupIds, 'the tag');
      await assertGroupsExistIn(tx, caller.licenseId, groupIds);
      const key = nameKey(input.name);
      const existing = await tagNameOf(tx.db, caller.licenseId, key);
      if (existing !== undefined) throw new ApiError('already_exists', `Tag ${JSON.stringify(existing)} already exists`);
      const tag: Tag = { name: input.name, group_ids: groupIds, author_id: caller.agentId, created_at: tagTimestamp() };
      await insertTag(tx.db, caller.licenseId, tag);
      await replaceTagGroups(tx.db, caller.licenseId, key, groupIds);
      await recordEvent(tx, sourceOf(caller), 'tag_created', tag);
    });
    return {};
  },
});

export const updateTag = defineAction({
  name: 'update_tag',
  area: 'tags',
  summary: 'Updates an existing tag.',
  description: 'Updates the groups of an existing tag (name matched with letter case).',
  schema: TagWrite,
  response: EmptyResponse,
  scopes: ['tags--all:rw', 'tags--groups:rw'],
  async handler(ctx, input) {
    const { caller } = ctx;
    await ctx.tx(async (tx) => {
      const tag = await getTagOrThrow(tx.db, caller.licenseId, input.name);
      const reach = await tagReach(tx.db, caller, 'rw');
      requireReach(reach, tag.group_ids, 'the tag');
      if (input.group_ids === undefined) return;
      const groupIds = sortedIds(input.group_ids);
      await assertGroupsExistIn(tx, caller.licenseId, groupIds);
      requireReach(reach, groupIds, '`group_ids`');
      if (JSON.stringify(groupIds) === JSON.stringify(tag.group_ids)) return;
      await replaceTagGroups(tx.db, caller.licenseId, tag.name_key, groupIds);
      await recordEvent(tx, sourceOf(caller), 'tag_updated', { name: tag.name, group_ids: groupIds });
    });
    return {};
  },
});

export const deleteTag = defineAction({
  name: 'delete_tag',
  area: 'tags',
  summary: 'Deletes an existing tag.',
  description: 'Deletes an existing tag (name matched with letter case).',
  schema: DeleteTag,
  response: EmptyResponse,
  scopes: ['tags--all:rw', 'tags--groups:rw'],
  async handler(ctx, input) {
    const { caller } = ctx;
    await ctx.tx(async (tx) => {
      const tag = await getTagOrThrow(tx.db, caller.licenseId, input.name);
      requireReach(await tagReach(tx.db, caller, 'rw'), tag.group_ids, 'the tag');
      await deleteTagRow(tx.db, caller.licenseId, tag.name_key);
      await recordEvent(tx, sourceOf(caller), 'tag_deleted', { name: tag.name });
    });
    return {};
  },
});

export const listTags = defineAction({
  name: 'list_tags',
  area: 'tags',
  summary: 'Lists the exisiting tags.',
  description: 'Lists the tags the caller can reach, optionally only those assigned to any of `filters.group_ids`.',
  schema: ListTags,
  response: Type.Array(TagView),
  scopes: ['tags--all:ro', 'tags--groups:ro'],
  async handler(ctx, input) {
    const { caller } = ctx;
    const filter = input.filters?.group_ids;
    if (filter && filter.length === 0) return [];
    const reach = await tagReach(ctx.db, caller, 'ro');
    const rows = await listTagRows(ctx.db, caller.licenseId, filter);
    const groups = await groupsByTag(ctx.db, caller.licenseId);
    const out: Tag[] = [];
    for (const r of rows) {
      const groupIds = groups.get(r.name_key) ?? [];
      if (withinReach(reach, groupIds)) out.push({ name: r.name, group_ids: groupIds, author_id: r.author_id, created_at: r.created_at });
    }
    return out;
  },
});

/** delete_group: the group id leaves every tag's `group_ids` (tags stay); each changed tag reports tag_updated. */
export async function groupDeleted(tx: Tx, source: EventSource, groupId: number): Promise<void> {
  for (const tag of await removeGroupFromTags(tx.db, source.licenseId, groupId)) await recordEvent(tx, source, 'tag_updated', tag);
}
