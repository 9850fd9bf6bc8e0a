/** Credentials for operators: an access token or a PAT for an agent (or bot) of a licence, named by its id. */
import { ApiError } from '../kernel/errors.js';
import { ALL_SCOPES } from '../kernel/scopes.js';
import type { Queryable } from '../store/store.js';
import type { Tx } from '../store/transaction.js';
import { applicationExists } from '../tenancy/applications.js';
import { basicAuth, insertAccessToken, insertPat } from '../tenancy/credentials.js';
import { findLicense } from '../tenancy/licenses.js';
import { findAgentColumns } from '../agents/repo.js';

/** `scopes` as given by a caller: a list, or "all" (every scope). Unknown scopes are refused. */
export function resolveScopes(scopes: readonly string[] | 'all'): string[] {
  if (scopes === 'all') return [...ALL_SCOPES];
  const unknown = scopes.filter((x) => !ALL_SCOPES.includes(x));
  if (unknown.length) throw new ApiError('validation', `Unknown scope(s): ${unknown.join(', ')} (use "all" for every scope)`);
  if (scopes.length === 0) throw new ApiError('validation', 'scopes needs at least one scope');
  return [...new Set(scopes)];
}

async function licenseRow(db: Queryable, licenseId: number) {
  const lic = await findLicense(db, licenseId);
  if (!lic) throw new ApiError('not_found', `Licence ${licenseId} not found`);
  return lic;
}

async function agentAccount(db: Queryable, licenseId: number, agentId: string): Promise<{ id: string; account_id: string }> {
  const row = await findAgentColumns(db, licenseId, agentId, ['account_id', 'id']); // any letter case
  if (!row) throw new ApiError('not_found', `Agent ${agentId} not found on licence ${licenseId}`);
  return row;
}

/** A bearer token for an agent (or bot) of the licence, in the licence's region. */
export async function issueAccessToken(
  tx: Tx,
  o: { licenseId: number; agentId: string; clientId?: string | null; scopes: readonly string[] | 'all'; ttlSeconds?: number | null },
): Promise<{ bearer_token: string }> {
  const scopes = resolveScopes(o.scopes);
  if (o.ttlSeconds !== undefined && o.ttlSeconds !== null && (!Number.isInteger(o.ttlSeconds) || o.ttlSeconds <= 0)) {
    throw new ApiError('validation', 'ttl must be a positive whole number of seconds');
  }
  const lic = await licenseRow(tx.db, o.licenseId);
  const agent = await agentAccount(tx.db, o.licenseId, o.agentId);
  const clientId = o.clientId ?? null;
  if (clientId && !(await applicationExists(tx.db, clientId))) throw new ApiError('not_found', `Application ${clientId} not found`);
  const token = await insertAccessToken(tx.db, {
    licenseId: o.licenseId,
    accountId: agent.account_id,
    clientId,
    scopes,
    region: lic.region,
    ttlSeconds: o.ttlSeconds ?? null,
  });
  return { bearer_token: token };
}

/** A Personal Access Token for an agent of the licence. */
export async function createPat(
  tx: Tx,
  o: { licenseId: number; agentId: string; scopes: readonly string[] | 'all' },
): Promise<{ account_id: string; pat: string; basic_auth: string }> {
  const scopes = resolveScopes(o.scopes);
  await licenseRow(tx.db, o.licenseId);
  const agent = await agentAccount(tx.db, o.licenseId, o.agentId);
  const pat = await insertPat(tx.db, { licenseId: o.licenseId, accountId: agent.account_id, scopes });
  return { account_id: agent.account_id, pat, basic_auth: basicAuth(agent.account_id, pat) };
}
