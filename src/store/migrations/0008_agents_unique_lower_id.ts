import { sql, type Kysely } from 'kysely';

/**
 * Agent ids are unique within a licence regardless of letter case: the (license_id, lower(id)) index becomes
 * UNIQUE, so the database enforces it and an insert can check and write in one statement (ON CONFLICT DO NOTHING).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropIndex('agents_lower_id').execute();
  await sql`CREATE UNIQUE INDEX agents_lower_id ON agents (license_id, lower(id))`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropIndex('agents_lower_id').execute();
  await sql`CREATE INDEX agents_lower_id ON agents (license_id, lower(id))`.execute(db);
}
