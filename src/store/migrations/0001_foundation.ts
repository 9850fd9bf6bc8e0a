import type { Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('organizations')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema
    .createTable('licenses')
    .addColumn('id', 'integer', (c) => c.primaryKey())
    .addColumn('organization_id', 'text', (c) => c.notNull().references('organizations.id'))
    .addColumn('region', 'text', (c) => c.notNull())
    .addColumn('plan', 'text', (c) => c.notNull())
    .addColumn('expires_at', 'text')
    .addColumn('source_id', 'text', (c) => c.notNull())
    .addColumn('source_type', 'text', (c) => c.notNull())
    .addColumn('source_url', 'text', (c) => c.notNull())
    .addColumn('next_group_id', 'integer', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema
    .createTable('agents')
    .addColumn('license_id', 'integer', (c) => c.notNull().references('licenses.id'))
    .addColumn('id', 'text', (c) => c.notNull())
    .addColumn('account_id', 'text', (c) => c.notNull().unique())
    .addColumn('type', 'text', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('avatar', 'text')
    .addColumn('role', 'text', (c) => c.notNull())
    .addColumn('login_status', 'text', (c) => c.notNull())
    .addColumn('job_title', 'text')
    .addColumn('mobile', 'text')
    .addColumn('max_chats_count', 'integer', (c) => c.notNull())
    .addColumn('awaiting_approval', 'integer', (c) => c.notNull())
    .addColumn('suspended', 'integer', (c) => c.notNull())
    .addColumn('notifications', 'text', (c) => c.notNull())
    .addColumn('email_subscriptions', 'text', (c) => c.notNull())
    .addColumn('work_scheduler', 'text')
    .addColumn('last_logout', 'text')
    .addColumn('default_group_priority', 'text')
    .addColumn('timezone', 'text')
    .addColumn('owner_client_id', 'text')
    .addColumn('secret_hash', 'text')
    .addColumn('created_via', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('agents_pk', ['license_id', 'id'])
    .execute();
  await db.schema.createIndex('agents_license_type').on('agents').columns(['license_id', 'type']).execute();
  await db.schema
    .createTable('groups')
    .addColumn('license_id', 'integer', (c) => c.notNull().references('licenses.id'))
    .addColumn('id', 'integer', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('language_code', 'text', (c) => c.notNull())
    .addColumn('routing_status', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('groups_pk', ['license_id', 'id'])
    .execute();
  await db.schema
    .createTable('group_members')
    .addColumn('license_id', 'integer', (c) => c.notNull())
    .addColumn('group_id', 'integer', (c) => c.notNull())
    .addColumn('agent_id', 'text', (c) => c.notNull())
    .addColumn('priority', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('group_members_pk', ['license_id', 'group_id', 'agent_id'])
    .execute();
  await db.schema
    .createIndex('group_members_agent')
    .on('group_members')
    .columns(['license_id', 'agent_id'])
    .execute();
  await db.schema
    .createTable('applications')
    .addColumn('client_id', 'text', (c) => c.primaryKey())
    .addColumn('organization_id', 'text', (c) => c.notNull().references('organizations.id'))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema
    .createTable('installations')
    .addColumn('client_id', 'text', (c) => c.notNull().references('applications.client_id'))
    .addColumn('license_id', 'integer', (c) => c.notNull().references('licenses.id'))
    .addColumn('installed_at', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('installations_pk', ['client_id', 'license_id'])
    .execute();
  await db.schema.createIndex('installations_license').on('installations').columns(['license_id']).execute();
  await db.schema
    .createTable('access_tokens')
    .addColumn('token_hash', 'text', (c) => c.primaryKey())
    .addColumn('license_id', 'integer', (c) => c.notNull())
    .addColumn('account_id', 'text', (c) => c.notNull())
    .addColumn('client_id', 'text')
    .addColumn('scopes', 'text', (c) => c.notNull())
    .addColumn('region', 'text', (c) => c.notNull())
    .addColumn('expires_at', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema
    .createTable('pats')
    .addColumn('token_hash', 'text', (c) => c.primaryKey())
    .addColumn('license_id', 'integer', (c) => c.notNull())
    .addColumn('account_id', 'text', (c) => c.notNull())
    .addColumn('scopes', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema
    .createTable('unsuspension_requests')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('license_id', 'integer', (c) => c.notNull())
    .addColumn('agent_id', 'text', (c) => c.notNull())
    .addColumn('recipients', 'text', (c) => c.notNull())
    .addColumn('requested_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema
    .createTable('counters')
    .addColumn('name', 'text', (c) => c.primaryKey())
    .addColumn('value', 'integer', (c) => c.notNull())
    .execute();
  await db.schema
    .createTable('settings')
    .addColumn('key', 'text', (c) => c.primaryKey())
    .addColumn('value', 'text', (c) => c.notNull())
    .execute();
  await db.schema
    .createTable('webhook_events')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('seq', 'integer', (c) => c.notNull())
    .addColumn('license_id', 'integer', (c) => c.notNull())
    .addColumn('organization_id', 'text', (c) => c.notNull())
    .addColumn('action', 'text', (c) => c.notNull())
    .addColumn('payload', 'text', (c) => c.notNull())
    .addColumn('source_client_id', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('webhook_events_seq').on('webhook_events').columns(['seq']).execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const t of [
    'webhook_events', 'settings', 'counters', 'unsuspension_requests', 'pats', 'access_tokens', 'installations',
    'applications', 'group_members', 'groups', 'agents', 'licenses', 'organizations',
  ]) {
    await db.schema.dropTable(t).ifExists().execute();
  }
}
