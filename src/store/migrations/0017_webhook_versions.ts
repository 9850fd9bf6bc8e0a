import { type Kysely } from 'kysely';

/**
 * Webhooks are delivered in the format of the API version they were registered through (issue 22):
 * - `webhooks.version`: the version of the register_webhook call (`3.4`, `3.5`, `3.6`); webhooks registered before
 *   it were registered through v3.5, the only version served then, so existing rows are `3.5`;
 * - `webhook_events.requester`: JSON `{user_id, client_id?, account_id}` of the caller whose action caused the event,
 *   set only on the events made for versions whose deliveries carry `requester` (v3.6); null on every other event, so
 *   v3.5 deliveries stay byte for byte as before.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('webhooks').addColumn('version', 'text', (c) => c.notNull().defaultTo('3.5')).execute();
  await db.schema.alterTable('webhook_events').addColumn('requester', 'text').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('webhook_events').dropColumn('requester').execute();
  await db.schema.alterTable('webhooks').dropColumn('version').execute();
}
