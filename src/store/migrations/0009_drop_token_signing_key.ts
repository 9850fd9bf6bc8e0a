import type { Kysely } from 'kysely';

/**
 * The bot-token signing key no longer lives in the database (a copy of it must not let anyone mint tokens): it comes
 * from configuration or a key file, and the database records only its id (`bots.token_signing_kid`). Tokens signed
 * with the dropped key stop verifying (they lived 24 h at most).
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.deleteFrom('settings').where('key', '=', 'bots.token_signing_key').execute();
}

export async function down(): Promise<void> {
  // The key is gone for good; nothing to restore.
}
