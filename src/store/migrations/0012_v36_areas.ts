import type { Kysely } from 'kysely';

/**
 * The areas new in v3.6 (src/areas-v36.ts): greetings and each licence's last greeting id, customer bans, e-mail
 * bounces of agents (what reactivate_email clears) and the licence's company details. Booleans 0/1, JSON as TEXT,
 * RFC 3339 TEXT timestamps, as everywhere.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('greetings')
    .addColumn('license_id', 'integer', (c) => c.notNull().references('licenses.id'))
    .addColumn('id', 'integer', (c) => c.notNull())
    .addColumn('group_id', 'integer', (c) => c.notNull())
    .addColumn('type', 'text', (c) => c.notNull())
    .addColumn('active', 'integer', (c) => c.notNull())
    .addColumn('active_from', 'text')
    .addColumn('active_until', 'text')
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('rules', 'text', (c) => c.notNull())
    .addColumn('properties', 'text', (c) => c.notNull())
    .addColumn('rich_message', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('greetings_pk', ['license_id', 'id'])
    .execute();
  await db.schema.createIndex('greetings_group').on('greetings').columns(['license_id', 'group_id', 'id']).execute();
  await db.schema
    .createTable('greeting_counters')
    .addColumn('license_id', 'integer', (c) => c.primaryKey().references('licenses.id'))
    .addColumn('last_id', 'integer', (c) => c.notNull())
    .execute();
  await db.schema
    .createTable('customer_bans')
    .addColumn('license_id', 'integer', (c) => c.notNull().references('licenses.id'))
    .addColumn('id', 'text', (c) => c.notNull())
    .addColumn('ip', 'text')
    .addColumn('ip_key', 'text')
    .addColumn('customer_id', 'text')
    .addColumn('agent_id', 'text')
    .addColumn('thread_id', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('expires_at', 'text')
    .addPrimaryKeyConstraint('customer_bans_pk', ['license_id', 'id'])
    .execute();
  await db.schema.createIndex('customer_bans_created').on('customer_bans').columns(['license_id', 'created_at']).execute();
  await db.schema
    .createTable('email_bounces')
    .addColumn('license_id', 'integer', (c) => c.notNull().references('licenses.id'))
    .addColumn('agent_id', 'text', (c) => c.notNull())
    .addColumn('bounced_at', 'text', (c) => c.notNull())
    .addColumn('reason', 'text')
    .addPrimaryKeyConstraint('email_bounces_pk', ['license_id', 'agent_id'])
    .execute();
  let company = db.schema.createTable('company_details').addColumn('license_id', 'integer', (c) => c.primaryKey().references('licenses.id'));
  for (const column of COMPANY_COLUMNS) company = company.addColumn(column, 'text');
  await company.addColumn('updated_at', 'text', (c) => c.notNull()).execute();
}

/** update_company_details' string fields (v3.6 reference, "Update Company Details"), one nullable column each. */
const COMPANY_COLUMNS = [
  'audience', 'chat_purpose', 'city', 'company', 'company_size', 'country', 'invoice_email', 'invoice_name', 'nip',
  'postal_code', 'state', 'street', 'phone', 'province', 'url',
] as const;

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const t of ['company_details', 'email_bounces', 'customer_bans', 'greeting_counters', 'greetings']) await db.schema.dropTable(t).execute();
}
