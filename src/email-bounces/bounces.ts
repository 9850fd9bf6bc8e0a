/**
 * E-mail bounces (what reactivate_email clears). This server sends no e-mail, so a bounce is recorded by the
 * provisioning function `recordEmailBounce` (for the control plane and tests), as the platform's mailer would.
 */
import { ApiError } from '../kernel/errors.js';
import { normalizeRfc3339, microsecondTimestamp } from '../kernel/rfc3339.js';
import type { Queryable } from '../store/store.js';
import type { Tx } from '../store/transaction.js';
import { findAgent } from '../agents/repo.js';
import { listBounces, upsertBounce } from './repo.js';

export interface EmailBounce {
  agent_id: string;
  bounced_at: string;
  reason?: string;
}

/** The agent (not a bot: bots have no e-mail) with this id in any letter case, or `not_found`. */
export async function agentIdOrThrow(db: Queryable, licenseId: number, agentId: string): Promise<string> {
  const row = await findAgent(db, licenseId, agentId, 'agent');
  if (!row) throw new ApiError('not_found', `Agent ${agentId} not found`);
  return row.id;
}

/**
 * Record that the agent's address bounced (in the caller's transaction): `not_found` for an unknown agent or a bot,
 * `validation` for a bad `at` (RFC 3339; default now). A second bounce replaces the first.
 */
export async function recordEmailBounce(
  tx: Tx,
  licenseId: number,
  agentId: string,
  o: { at?: string; reason?: string } = {},
): Promise<EmailBounce> {
  let at = microsecondTimestamp();
  if (o.at !== undefined) {
    const normal = normalizeRfc3339(o.at);
    if (normal === null) throw new ApiError('validation', '`at` should be an RFC 3339 date-time');
    at = normal;
  }
  const id = await agentIdOrThrow(tx.db, licenseId, agentId);
  await upsertBounce(tx.db, { license_id: licenseId, agent_id: id, bounced_at: at, reason: o.reason ?? null });
  return { agent_id: id, bounced_at: at, ...(o.reason !== undefined ? { reason: o.reason } : {}) };
}

/** The licence's agents whose address bounced (and was not reactivated since), by agent id. */
export async function emailBounces(db: Queryable, licenseId: number): Promise<EmailBounce[]> {
  return (await listBounces(db, licenseId)).map((r) => ({
    agent_id: r.agent_id,
    bounced_at: r.bounced_at,
    ...(r.reason !== null ? { reason: r.reason } : {}),
  }));
}
