import { PostgresAdapter, sql, type Kysely } from 'kysely';

/**
 * `licenses.agents_version`: on PostgreSQL, bumped in the same transaction as every change to the licence's agents
 * or group memberships, by statement triggers — so it also follows writes made outside the API (another server, the
 * CLI, an operator's SQL). Read caches of agent answers key on it (see src/agents/response-cache.ts). SQLite has the
 * column too (one schema) but does not use it: there the database-wide `PRAGMA data_version` serves.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .alterTable('licenses')
    .addColumn('agents_version', 'bigint', (c) => c.notNull().defaultTo(0))
    .execute();
  if (!(db.getExecutor().adapter instanceof PostgresAdapter)) return;
  // One UPDATE per statement (not per row): a batch of 100 agents bumps its licence once.
  await sql`
    CREATE FUNCTION bump_agents_version() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF TG_OP = 'INSERT' THEN
        UPDATE licenses SET agents_version = agents_version + 1 WHERE id IN (SELECT license_id FROM new_rows);
      ELSIF TG_OP = 'DELETE' THEN
        UPDATE licenses SET agents_version = agents_version + 1 WHERE id IN (SELECT license_id FROM old_rows);
      ELSE
        UPDATE licenses SET agents_version = agents_version + 1
         WHERE id IN (SELECT license_id FROM old_rows UNION SELECT license_id FROM new_rows);
      END IF;
      RETURN NULL;
    END $$`.execute(db);
  for (const table of ['agents', 'group_members']) {
    const t = sql.table(table);
    const name = (op: string) => sql.id(`${table}_${op}_bump_agents_version`);
    await sql`CREATE TRIGGER ${name('insert')} AFTER INSERT ON ${t} REFERENCING NEW TABLE AS new_rows
      FOR EACH STATEMENT EXECUTE FUNCTION bump_agents_version()`.execute(db);
    await sql`CREATE TRIGGER ${name('update')} AFTER UPDATE ON ${t} REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
      FOR EACH STATEMENT EXECUTE FUNCTION bump_agents_version()`.execute(db);
    await sql`CREATE TRIGGER ${name('delete')} AFTER DELETE ON ${t} REFERENCING OLD TABLE AS old_rows
      FOR EACH STATEMENT EXECUTE FUNCTION bump_agents_version()`.execute(db);
  }
}

export async function down(db: Kysely<unknown>): Promise<void> {
  if (db.getExecutor().adapter instanceof PostgresAdapter) {
    for (const table of ['agents', 'group_members']) {
      for (const op of ['insert', 'update', 'delete']) {
        await sql`DROP TRIGGER IF EXISTS ${sql.id(`${table}_${op}_bump_agents_version`)} ON ${sql.table(table)}`.execute(db);
      }
    }
    await sql`DROP FUNCTION IF EXISTS bump_agents_version()`.execute(db);
  }
  await db.schema.alterTable('licenses').dropColumn('agents_version').execute();
}
