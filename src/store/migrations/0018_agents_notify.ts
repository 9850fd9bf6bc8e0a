import { PostgresAdapter, sql, type Kysely } from 'kysely';

/**
 * PostgreSQL: the statement triggers that bump `licenses.agents_version` (migration 0007) also notify channel
 * `config_api_agents` with each changed licence's id (store/notify.ts `AGENTS_CHANNEL`), delivered at commit and once
 * per licence and transaction (PostgreSQL folds equal notifications of one transaction); a TRUNCATE of either table
 * notifies `*` (any licence). A node's listener hears every
 * writer's changes this way, an operator's SQL included, and keeps its agent read caches exact without a round trip
 * per read (kernel/read-cache.ts, shared-state/pg-read-freshness.ts). SQLite: nothing (its caches read the WAL index).
 */
const bump = (notify: boolean) => sql.raw(`
  CREATE OR REPLACE FUNCTION bump_agents_version() RETURNS trigger LANGUAGE plpgsql AS $$
  BEGIN
    IF TG_OP = 'INSERT' THEN
      UPDATE licenses SET agents_version = agents_version + 1 WHERE id IN (SELECT license_id FROM new_rows);
      ${notify ? "PERFORM pg_notify('config_api_agents', l::text) FROM (SELECT DISTINCT license_id AS l FROM new_rows) c;" : ''}
    ELSIF TG_OP = 'DELETE' THEN
      UPDATE licenses SET agents_version = agents_version + 1 WHERE id IN (SELECT license_id FROM old_rows);
      ${notify ? "PERFORM pg_notify('config_api_agents', l::text) FROM (SELECT DISTINCT license_id AS l FROM old_rows) c;" : ''}
    ELSE
      UPDATE licenses SET agents_version = agents_version + 1
       WHERE id IN (SELECT license_id FROM old_rows UNION SELECT license_id FROM new_rows);
      ${notify ? "PERFORM pg_notify('config_api_agents', l::text) FROM (SELECT license_id AS l FROM old_rows UNION SELECT license_id FROM new_rows) c;" : ''}
    END IF;
    RETURN NULL;
  END $$`);

const TABLES = ['agents', 'group_members'] as const;

export async function up(db: Kysely<unknown>): Promise<void> {
  if (!(db.getExecutor().adapter instanceof PostgresAdapter)) return;
  await bump(true).execute(db);
  // TRUNCATE fires no row-change trigger: it tells every licence (`*`).
  await sql.raw(`CREATE FUNCTION notify_agents_truncated() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN PERFORM pg_notify('config_api_agents', '*'); RETURN NULL; END $$`).execute(db);
  for (const table of TABLES) {
    await sql`CREATE TRIGGER ${sql.id(`${table}_truncate_notify_agents`)} AFTER TRUNCATE ON ${sql.table(table)}
      FOR EACH STATEMENT EXECUTE FUNCTION notify_agents_truncated()`.execute(db);
  }
}

export async function down(db: Kysely<unknown>): Promise<void> {
  if (!(db.getExecutor().adapter instanceof PostgresAdapter)) return;
  for (const table of TABLES) await sql`DROP TRIGGER IF EXISTS ${sql.id(`${table}_truncate_notify_agents`)} ON ${sql.table(table)}`.execute(db);
  await sql`DROP FUNCTION IF EXISTS notify_agents_truncated()`.execute(db);
  await bump(false).execute(db);
}
