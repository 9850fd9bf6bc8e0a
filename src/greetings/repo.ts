/**
 * The greetings area's repository: the only module that reads and writes `greetings` and `greeting_counters`.
 * A greeting is keyed by (licence, id); ids count up per licence from 1 and are never given twice (the licence's
 * last id lives in `greeting_counters`, a licence table: reset and snapshots cover it, so ids after a restore are
 * the ids after the snapshot). Rules, properties and the rich message are JSON text.
 */
import type { Selectable } from 'kysely';
import { sql } from 'kysely';
import type { Queryable } from '../store/store.js';
import type { Greeting, GreetingRule, RichMessageStored } from './schemas.js';

export interface GreetingsTable {
  license_id: number;
  id: number;
  group_id: number;
  type: string;
  /** 0/1 */
  active: number;
  /** RFC 3339 as given, or null when unset. */
  active_from: string | null;
  active_until: string | null;
  name: string;
  /** JSON array of rules. */
  rules: string;
  /** JSON object (`{}` when none). */
  properties: string;
  /** JSON object, or null when unset. */
  rich_message: string | null;
  created_at: string;
  updated_at: string;
}
export interface GreetingCountersTable {
  license_id: number;
  last_id: number;
}
declare module '../store/schema.js' {
  interface Database {
    greetings: GreetingsTable;
    greeting_counters: GreetingCountersTable;
  }
}

export type GreetingRow = Selectable<GreetingsTable>;

/** The answer's shape of a stored greeting (dates and rich message left out when unset). */
export function greetingView(row: GreetingRow): Greeting {
  return {
    id: row.id,
    type: row.type as Greeting['type'],
    active: row.active === 1,
    ...(row.active_from !== null ? { active_from: row.active_from } : {}),
    ...(row.active_until !== null ? { active_until: row.active_until } : {}),
    name: row.name,
    group: row.group_id,
    rules: JSON.parse(row.rules) as GreetingRule[],
    properties: JSON.parse(row.properties) as Greeting['properties'],
    ...(row.rich_message !== null ? { rich_message: JSON.parse(row.rich_message) as RichMessageStored } : {}),
  };
}

/** The licence's next greeting id (inside the caller's transaction, which holds the licence lock). */
export async function nextGreetingId(trx: Queryable, licenseId: number): Promise<number> {
  const row = await trx
    .insertInto('greeting_counters')
    .values({ license_id: licenseId, last_id: 1 })
    .onConflict((oc) => oc.column('license_id').doUpdateSet({ last_id: sql<number>`greeting_counters.last_id + 1` }))
    .returning('last_id')
    .executeTakeFirstOrThrow();
  return Number(row.last_id);
}

export async function insertGreeting(trx: Queryable, row: GreetingRow): Promise<void> {
  await trx.insertInto('greetings').values(row).execute();
}

export function findGreeting(db: Queryable, licenseId: number, id: number): Promise<GreetingRow | undefined> {
  return db.selectFrom('greetings').selectAll().where('license_id', '=', licenseId).where('id', '=', id).executeTakeFirst();
}

export type GreetingChanges = Partial<Omit<GreetingRow, 'license_id' | 'id' | 'group_id' | 'created_at'>>;

export async function updateGreetingColumns(trx: Queryable, licenseId: number, id: number, set: GreetingChanges): Promise<void> {
  await trx.updateTable('greetings').set(set).where('license_id', '=', licenseId).where('id', '=', id).execute();
}

/** Delete one greeting; false when the licence has no such greeting. */
export async function deleteGreetingRow(trx: Queryable, licenseId: number, id: number): Promise<boolean> {
  const r = await trx.deleteFrom('greetings').where('license_id', '=', licenseId).where('id', '=', id).executeTakeFirst();
  return r.numDeletedRows > 0n;
}

/** What list_greetings filters on: greetings of any of these groups (a non-empty list), or of every group (null). */
export interface GreetingFilter {
  groups: readonly number[] | null;
}

function filtered(db: Queryable, licenseId: number, filter: GreetingFilter) {
  let q = db.selectFrom('greetings').where('license_id', '=', licenseId);
  if (filter.groups !== null) q = q.where('group_id', 'in', filter.groups as number[]);
  return q;
}

/** Up to `limit` greetings matching the filter with ids above `afterId`, by id. */
export function listGreetingRows(db: Queryable, licenseId: number, filter: GreetingFilter, afterId: number, limit: number): Promise<GreetingRow[]> {
  return filtered(db, licenseId, filter).selectAll().where('id', '>', afterId).orderBy('id').limit(limit).execute();
}

/** How many greetings match the filter (whatever the position). */
export async function countGreetings(db: Queryable, licenseId: number, filter: GreetingFilter): Promise<number> {
  const row = await filtered(db, licenseId, filter).select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
  return Number(row.n);
}

/** Delete the greetings of a group (the group is being deleted). */
export async function deleteGroupGreetings(trx: Queryable, licenseId: number, groupId: number): Promise<void> {
  await trx.deleteFrom('greetings').where('license_id', '=', licenseId).where('group_id', '=', groupId).execute();
}
