/**
 * Bots' rows of the `agents` table (bots are agents of type 'bot'), for the bots area: bots within a caller's reach,
 * the bot a bot token names, and a template's bots on the licences where its application is installed. Owner of the
 * `agents` table together with repo.ts (the agents' rows).
 */
import type { SelectQueryBuilder } from 'kysely';
import { nowIso, type Queryable } from '../store/store.js';
import type { Database } from '../store/schema.js';
import type { AgentRow } from './repo.js';

/** Which bots list_bots reaches: every bot of the licence, or "my" bots of one kind (see bots' isMyBot). */
export type BotReach =
  | { all: true }
  | { botId: string }
  | { createdVia: 'pat' }
  | { ownerClientId: string };

/** The licence's bots within `reach`, in creation order. */
export function listBotRows(db: Queryable, licenseId: number, reach: BotReach): Promise<AgentRow[]> {
  let q = db.selectFrom('agents').selectAll().where('license_id', '=', licenseId).where('type', '=', 'bot');
  if ('botId' in reach) q = q.where('id', '=', reach.botId);
  else if ('createdVia' in reach) q = q.where('created_via', '=', reach.createdVia);
  else if ('ownerClientId' in reach) q = q.where('owner_client_id', '=', reach.ownerClientId).where('created_via', '<>', 'pat');
  return q.orderBy('created_at').orderBy('id').execute();
}

/** The bot a bot token names (its id as signed), as a query to join with its licence (bots/token.ts). */
export const botForToken = (db: Queryable, licenseId: number, id: string) =>
  db
    .selectFrom('agents')
    .select(['license_id', 'id', 'account_id', 'owner_client_id'])
    .where('license_id', '=', licenseId)
    .where('id', '=', id)
    .where('type', '=', 'bot');

/** The bots with this id on the given licences, by licence. */
export async function botsOnLicenses(db: Queryable, id: string, licenseIds: readonly number[]): Promise<AgentRow[]> {
  if (licenseIds.length === 0) return [];
  return db
    .selectFrom('agents')
    .selectAll()
    .where('id', '=', id)
    .where('type', '=', 'bot')
    .where('license_id', 'in', licenseIds as number[])
    .orderBy('license_id')
    .execute();
}

/** Write the same column changes to the bots with this id on the given licences, stamping `updated_at`. */
export async function updateBotsOnLicenses(
  trx: Queryable,
  id: string,
  licenseIds: readonly number[],
  set: Partial<AgentRow>,
): Promise<void> {
  if (licenseIds.length === 0) return;
  await trx
    .updateTable('agents')
    .set({ ...set, updated_at: nowIso() })
    .where('id', '=', id)
    .where('type', '=', 'bot')
    .where('license_id', 'in', licenseIds as number[])
    .execute();
}

/**
 * The secret hashes of the bots with this id and owner client id on the licences of `licenseIds` (a subquery,
 * e.g. tenancy's `organizationLicenseIds`), by licence: the candidates of issue_bot_token.
 */
export function botSecretsOnLicenses(
  db: Queryable,
  id: string,
  ownerClientId: string,
  licenseIds: SelectQueryBuilder<Database, 'licenses', { id: number }>,
): Promise<{ license_id: number; secret_hash: string | null }[]> {
  return db
    .selectFrom('agents')
    .select(['license_id', 'secret_hash'])
    .where('id', '=', id)
    .where('type', '=', 'bot')
    .where('owner_client_id', '=', ownerClientId)
    .where('license_id', 'in', licenseIds)
    .orderBy('license_id')
    .execute();
}
