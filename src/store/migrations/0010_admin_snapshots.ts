import type { Kysely } from 'kysely';

/**
 * Saved licence configurations (src/provisioning/snapshots.ts): `kind` 'bootstrap' is the state `bootstrap` created (what reset
 * goes back to), 'user' those saved through POST /admin/licenses/{id}/snapshots. `data` is JSON.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('admin_snapshots')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('license_id', 'integer', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull().defaultTo('user'))
    .addColumn('name', 'text')
    .addColumn('data', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('admin_snapshots_license').on('admin_snapshots').columns(['license_id']).execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('admin_snapshots').execute();
}
