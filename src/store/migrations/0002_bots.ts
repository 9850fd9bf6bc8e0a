import type { Kysely } from 'kysely';

/** Bots: organization-level bot templates; indexes for bots looked up by id across licences and by owner. */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('bot_templates')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('organization_id', 'text', (c) => c.notNull().references('organizations.id'))
    .addColumn('owner_client_id', 'text', (c) => c.notNull().references('applications.client_id'))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('avatar', 'text')
    .addColumn('max_chats_count', 'integer', (c) => c.notNull())
    .addColumn('default_group_priority', 'text', (c) => c.notNull())
    .addColumn('job_title', 'text')
    .addColumn('secret_hash', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('bot_templates_owner').on('bot_templates').columns(['owner_client_id']).execute();
  // Template bots share their id across licences; issue_bot_token finds a bot by id.
  await db.schema.createIndex('agents_id').on('agents').columns(['id']).execute();
  await db.schema.createIndex('agents_owner_client').on('agents').columns(['license_id', 'owner_client_id']).execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropIndex('agents_owner_client').ifExists().execute();
  await db.schema.dropIndex('agents_id').ifExists().execute();
  await db.schema.dropTable('bot_templates').ifExists().execute();
}
