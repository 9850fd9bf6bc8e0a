import { sql, type Kysely } from 'kysely';

/**
 * Bots' `type` (v3.6: "a custom value to categorize or identify the bot", default `chatbot`): a column of the agents
 * table, which holds the bots' rows (its own `type` column tells agents from bots). Bots made before it, through any
 * version, are `chatbot`; agents have none.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('agents').addColumn('bot_type', 'text').execute();
  await sql`UPDATE agents SET bot_type = 'chatbot' WHERE type = 'bot'`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('agents').dropColumn('bot_type').execute();
}
