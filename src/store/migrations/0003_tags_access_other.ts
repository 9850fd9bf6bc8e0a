import type { Kysely } from 'kysely';

/** Tags (+ their groups), auto access rules (a linked list per licence via next_id) and channel activity. */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('tags')
    .addColumn('license_id', 'integer', (c) => c.notNull().references('licenses.id'))
    .addColumn('name_key', 'text', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('author_id', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('seq', 'integer', (c) => c.notNull())
    .addPrimaryKeyConstraint('tags_pk', ['license_id', 'name_key'])
    .execute();
  await db.schema
    .createTable('tag_groups')
    .addColumn('license_id', 'integer', (c) => c.notNull())
    .addColumn('name_key', 'text', (c) => c.notNull())
    .addColumn('group_id', 'integer', (c) => c.notNull())
    .addPrimaryKeyConstraint('tag_groups_pk', ['license_id', 'name_key', 'group_id'])
    .execute();
  await db.schema.createIndex('tag_groups_group').on('tag_groups').columns(['license_id', 'group_id']).execute();
  await db.schema
    .createTable('auto_accesses')
    .addColumn('license_id', 'integer', (c) => c.notNull().references('licenses.id'))
    .addColumn('id', 'text', (c) => c.notNull())
    .addColumn('next_id', 'text', (c) => c.notNull())
    .addColumn('description', 'text', (c) => c.notNull())
    .addColumn('access', 'text', (c) => c.notNull())
    .addColumn('conditions', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('auto_accesses_pk', ['license_id', 'id'])
    .execute();
  await db.schema
    .createTable('channels')
    .addColumn('license_id', 'integer', (c) => c.notNull().references('licenses.id'))
    .addColumn('channel_type', 'text', (c) => c.notNull())
    .addColumn('channel_subtype', 'text', (c) => c.notNull())
    .addColumn('first_activity_timestamp', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('channels_pk', ['license_id', 'channel_type', 'channel_subtype'])
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('channels').execute();
  await db.schema.dropTable('auto_accesses').execute();
  await db.schema.dropTable('tag_groups').execute();
  await db.schema.dropTable('tags').execute();
}
