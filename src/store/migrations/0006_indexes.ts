import { sql, type Kysely } from 'kysely';

/** Indexes for deleting an agent's credentials and for case-insensitive agent id uniqueness checks. */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.createIndex('access_tokens_account').on('access_tokens').columns(['license_id', 'account_id']).execute();
  await db.schema.createIndex('pats_account').on('pats').columns(['license_id', 'account_id']).execute();
  await sql`CREATE INDEX agents_lower_id ON agents (license_id, lower(id))`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropIndex('agents_lower_id').ifExists().execute();
  await db.schema.dropIndex('pats_account').ifExists().execute();
  await db.schema.dropIndex('access_tokens_account').ifExists().execute();
}
