/** Migrations: applying them (`migrate`) and what a database lacks or has beyond this build (`migrationStatus`). */
import { Migrator, sql } from 'kysely';
import { migrations } from './migrations/index.js';
import type { Queryable, Store } from './store.js';

/**
 * Known migrations not applied to this database (`pending`) and applied ones this build does not know (`unknown`,
 * i.e. a newer build migrated the database). One query on the migration table; a database never migrated has every
 * migration pending.
 */
export async function migrationStatus(db: Queryable): Promise<{ pending: string[]; unknown: string[] }> {
  let applied: string[];
  try {
    const { rows } = await sql<{ name: string }>`SELECT name FROM kysely_migration`.execute(db);
    applied = rows.map((r) => r.name);
  } catch (err) {
    const e = err as { code?: string; message?: string };
    // 42P01 undefined_table (PostgreSQL); SQLite reports "no such table".
    if (e.code === '42P01' || /no such table/i.test(e.message ?? '')) applied = [];
    else throw err;
  }
  const known = Object.keys(migrations);
  const done = new Set(applied);
  return { pending: known.filter((m) => !done.has(m)), unknown: applied.filter((m) => !(m in migrations)) };
}

/** Apply every pending migration; returns the names of those applied. */
export async function migrate(store: Store): Promise<string[]> {
  const migrator = new Migrator({
    db: store.db,
    provider: { getMigrations: async () => migrations },
  });
  const { error, results } = await migrator.migrateToLatest();
  if (error) throw error;
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}
