/**
 * The only module that reads and writes `email_bounces`: agents whose e-mail address bounced (one row per agent,
 * keyed by the agent id as created). reactivate_email removes the row; deleting the agent does too.
 */
import type { Selectable } from 'kysely';
import type { Queryable } from '../store/store.js';

export interface EmailBouncesTable {
  license_id: number;
  agent_id: string;
  /** RFC 3339. */
  bounced_at: string;
  reason: string | null;
}
declare module '../store/schema.js' {
  interface Database {
    email_bounces: EmailBouncesTable;
  }
}

export type EmailBounceRow = Selectable<EmailBouncesTable>;

/** Record (or replace) the agent's bounce. */
export async function upsertBounce(trx: Queryable, row: EmailBounceRow): Promise<void> {
  await trx
    .insertInto('email_bounces')
    .values(row)
    .onConflict((oc) => oc.columns(['license_id', 'agent_id']).doUpdateSet({ bounced_at: row.bounced_at, reason: row.reason }))
    .execute();
}

/** Forget the agent's bounce; false when none was recorded. */
export async function deleteBounce(trx: Queryable, licenseId: number, agentId: string): Promise<boolean> {
  const r = await trx.deleteFrom('email_bounces').where('license_id', '=', licenseId).where('agent_id', '=', agentId).executeTakeFirst();
  return r.numDeletedRows > 0n;
}

/** The licence's bounced addresses, by agent id. */
export function listBounces(db: Queryable, licenseId: number): Promise<EmailBounceRow[]> {
  return db.selectFrom('email_bounces').selectAll().where('license_id', '=', licenseId).orderBy('agent_id').execute();
}
