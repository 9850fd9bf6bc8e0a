/** Unsuspension requests (request_agent_unsuspension): the only module that reads and writes `unsuspension_requests`. */
import { uuid } from '../kernel/crypto.js';
import { nowIso, type Queryable } from '../store/store.js';

export interface UnsuspensionRequestsTable {
  id: string;
  license_id: number;
  agent_id: string;
  recipients: string;
  requested_at: string;
}

declare module '../store/schema.js' {
  interface Database {
    unsuspension_requests: UnsuspensionRequestsTable;
  }
}

export interface UnsuspensionRequest {
  id: string;
  agent_id: string;
  recipients: string[];
  requested_at: string;
}

/** Unsuspension requests sent to the licence's owners (request_agent_unsuspension), oldest first. */
export async function listUnsuspensionRequests(db: Queryable, licenseId: number): Promise<UnsuspensionRequest[]> {
  const rows = await db
    .selectFrom('unsuspension_requests')
    .select(['id', 'agent_id', 'recipients', 'requested_at'])
    .where('license_id', '=', licenseId)
    .orderBy('requested_at')
    .execute();
  return rows.map((r) => ({ id: r.id, agent_id: r.agent_id, recipients: JSON.parse(r.recipients) as string[], requested_at: r.requested_at }));
}

/** Record a suspended agent's request to be unsuspended, addressed to `recipients`. */
export async function insertUnsuspensionRequest(
  trx: Queryable,
  licenseId: number,
  agentId: string,
  recipients: readonly string[],
): Promise<void> {
  await trx
    .insertInto('unsuspension_requests')
    .values({ id: uuid(), license_id: licenseId, agent_id: agentId, recipients: JSON.stringify(recipients), requested_at: nowIso() })
    .execute();
}
