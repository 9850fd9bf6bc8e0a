import type { Kysely } from 'kysely';

/**
 * Properties: the registry is organization-level (one row per owner client id + name); values are per licence.
 * `property_values.group_id` is -1 for a licence value and the group id for a group value.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('property_definitions')
    .addColumn('owner_client_id', 'text', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('organization_id', 'text', (c) => c.notNull())
    .addColumn('type', 'text', (c) => c.notNull())
    .addColumn('description', 'text', (c) => c.notNull())
    .addColumn('access', 'text', (c) => c.notNull())
    .addColumn('domain_values', 'text')
    .addColumn('value_range', 'text')
    .addColumn('default_value', 'text')
    .addColumn('public_access', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('property_definitions_pk', ['owner_client_id', 'name'])
    .execute();
  await db.schema
    .createIndex('property_definitions_org')
    .on('property_definitions')
    .columns(['organization_id'])
    .execute();
  await db.schema
    .createTable('property_values')
    .addColumn('license_id', 'integer', (c) => c.notNull())
    .addColumn('group_id', 'integer', (c) => c.notNull())
    .addColumn('namespace', 'text', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('value', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('property_values_pk', ['license_id', 'group_id', 'namespace', 'name'])
    .execute();
  await db.schema
    .createIndex('property_values_property')
    .on('property_values')
    .columns(['namespace', 'name'])
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('property_values').ifExists().execute();
  await db.schema.dropTable('property_definitions').ifExists().execute();
}
