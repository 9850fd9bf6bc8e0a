import { sql, type Kysely } from 'kysely';

/** Indexes for deleting an agent's credentials, case-insensitive agent id checks and webhook history retention. */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.createIndex('access_tokens_account').on('access_tokens').columns(['license_id', 'account_id']).execute();
  await db.schema.createIndex('pats_account').on('pats').columns(['license_id', 'account_id']).execute();
  await sql`CREATE INDEX agents_lower_id ON agents (license_id, lower(id))`.execute(db);
  // Webhook history retention: events by age, deliveries by event.
  await db.schema.createIndex('webhook_events_created').on('webhook_events').columns(['created_at']).execute();
  await db.schema.createIndex('webhook_deliveries_event').on('webhook_deliveries').columns(['event_id']).execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropIndex('webhook_deliveries_event').ifExists().execute();
  await db.schema.dropIndex('webhook_events_created').ifExists().execute();
  await db.schema.dropIndex('agents_lower_id').ifExists().execute();
  await db.schema.dropIndex('pats_account').ifExists().execute();
  await db.schema.dropIndex('access_tokens_account').ifExists().execute();
}
