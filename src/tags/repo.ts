/**
 * The tags area's repository: the only module that reads and writes `tags` and `tag_groups`. A tag is keyed by its
 * lower-cased name (`name_key`) within the licence; its groups live in `tag_groups`.
 */
import type { Selectable } from 'kysely';
import { nextCounter } from '../store/own-tables.js';
import type { Queryable } from '../store/store.js';

export interface TagsTable {
  license_id: number;
  /** Lower-cased name: the case-insensitive identity used for uniqueness. */
  name_key: string;
  name: string;
  author_id: string;
  created_at: string;
  /** Creation order within the licence. */
  seq: number;
}
export interface TagGroupsTable {
  license_id: number;
  name_key: string;
  group_id: number;
}
declare module '../store/schema.js' {
  interface Database {
    tags: TagsTable;
    tag_groups: TagGroupsTable;
  }
}

export type TagRow = Selectable<TagsTable>;

/** The case-insensitive identity of a tag name. */
export const nameKey = (name: string): string => name.toLowerCase();

/** Group ids per tag (name_key), ascending; one query. */
export async function groupsByTag(db: Queryable, licenseId: number, keys?: readonly string[]): Promise<Map<string, number[]>> {
  const out = new Map<string, number[]>();
  if (keys && keys.length === 0) return out;
  let q = db.selectFrom('tag_groups').select(['name_key', 'group_id']).where('license_id', '=', licenseId);
  if (keys) q = q.where('name_key', 'in', keys as string[]);
  for (const r of await q.orderBy('group_id').execute()) {
    let list = out.get(r.name_key);
    if (!list) out.set(r.name_key, (list = []));
    list.push(r.group_id);
  }
  return out;
}

/** The tag with this name key, or undefined. */
export function findTagRow(db: Queryable, licenseId: number, key: string): Promise<TagRow | undefined> {
  return db.selectFrom('tags').selectAll().where('license_id', '=', licenseId).where('name_key', '=', key).executeTakeFirst();
}

/** The name of the tag with this name key (as created), or undefined. */
export async function tagNameOf(db: Queryable, licenseId: number, key: string): Promise<string | undefined> {
  const row = await db.selectFrom('tags').select('name').where('license_id', '=', licenseId).where('name_key', '=', key).executeTakeFirst();
  return row?.name;
}

/** Insert a new tag (next in the licence's creation order) without groups. */
export async function insertTag(
  trx: Queryable,
  licenseId: number,
  tag: { name: string; author_id: string; created_at: string },
): Promise<void> {
  await trx
    .insertInto('tags')
    .values({
      license_id: licenseId,
      name_key: nameKey(tag.name),
      name: tag.name,
      author_id: tag.author_id,
      created_at: tag.created_at,
      seq: await nextCounter(trx, `tags:${licenseId}`),
    })
    .execute();
}

export async function replaceTagGroups(trx: Queryable, licenseId: number, key: string, groupIds: readonly number[]): Promise<void> {
  await trx.deleteFrom('tag_groups').where('license_id', '=', licenseId).where('name_key', '=', key).execute();
  if (groupIds.length === 0) return;
  await trx
    .insertInto('tag_groups')
    .values(groupIds.map((g) => ({ license_id: licenseId, name_key: key, group_id: g })))
    .execute();
}

/** Delete a tag with its groups. */
export async function deleteTagRow(trx: Queryable, licenseId: number, key: string): Promise<void> {
  await trx.deleteFrom('tag_groups').where('license_id', '=', licenseId).where('name_key', '=', key).execute();
  await trx.deleteFrom('tags').where('license_id', '=', licenseId).where('name_key', '=', key).execute();
}

/** The licence's tags in creation order; with `groupIds`, only tags assigned to any of them. */
export function listTagRows(db: Queryable, licenseId: number, groupIds?: readonly number[]): Promise<TagRow[]> {
  let q = db.selectFrom('tags').selectAll().where('license_id', '=', licenseId);
  if (groupIds) {
    q = q.where((eb) =>
      eb.exists(
        eb
          .selectFrom('tag_groups as tg')
          .select('tg.group_id')
          .where('tg.license_id', '=', licenseId)
          .whereRef('tg.name_key', '=', 'tags.name_key')
          .where('tg.group_id', 'in', groupIds as number[]),
      ),
    );
  }
  return q.orderBy('seq').execute();
}

/**
 * The group leaves every tag's groups; returns the affected tags (name key and name, by name key) with their
 * remaining group ids.
 */
export async function removeGroupFromTags(
  trx: Queryable,
  licenseId: number,
  groupId: number,
): Promise<{ name: string; group_ids: number[] }[]> {
  const affected = await trx
    .selectFrom('tag_groups')
    .select('name_key')
    .where('license_id', '=', licenseId)
    .where('group_id', '=', groupId)
    .execute();
  if (affected.length === 0) return [];
  const keys = affected.map((r) => r.name_key);
  await trx.deleteFrom('tag_groups').where('license_id', '=', licenseId).where('group_id', '=', groupId).execute();
  const names = await trx
    .selectFrom('tags')
    .select(['name_key', 'name'])
    .where('license_id', '=', licenseId)
    .where('name_key', 'in', keys)
    .orderBy('name_key')
    .execute();
  const groups = await groupsByTag(trx, licenseId, keys);
  return names.map((t) => ({ name: t.name, group_ids: groups.get(t.name_key) ?? [] }));
}
