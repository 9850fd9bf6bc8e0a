/** The store's own tables: `counters` (`nextCounter`) and `settings` (`readSetting`, `initSetting`, `writeSetting`). */
import { sql } from 'kysely';
import type { Queryable } from './store.js';
import { preparedQuery } from './prepared-query.js';

const counterUpsert = preparedQuery(2, (db, name: string, start: number) =>
  db
    .insertInto('counters')
    .values({ name, value: start })
    .onConflict((oc) => oc.column('name').doUpdateSet({ value: sql`counters.value + 1` }))
    .returning('value'),
);

/** Next value of a named counter, inside the caller's transaction (row-locked on PostgreSQL). */
export async function nextCounter(trx: Queryable, name: string, start = 1): Promise<number> {
  const { rows } = await counterUpsert(trx, name, start);
  if (!rows[0]) throw new Error(`counter ${name} returned no row`);
  return Number(rows[0].value);
}

/** A setting's value (the store's `settings` table: one value per key), or null when it has none. */
export async function readSetting(db: Queryable, key: string): Promise<string | null> {
  const row = await db.selectFrom('settings').select('value').where('key', '=', key).executeTakeFirst();
  return row?.value ?? null;
}

/** Record `value` for a setting that has none; returns the setting's value then (the one recorded before, if any). */
export async function initSetting(db: Queryable, key: string, value: string): Promise<string> {
  await db.insertInto('settings').values({ key, value }).onConflict((oc) => oc.column('key').doNothing()).execute();
  return (await readSetting(db, key)) ?? value;
}

/** Set a setting's value, whether it had one or not. */
export async function writeSetting(db: Queryable, key: string, value: string): Promise<void> {
  await db.insertInto('settings').values({ key, value }).onConflict((oc) => oc.column('key').doUpdateSet({ value })).execute();
}
