/**
 * Credentials: access tokens (`Bearer <region>:<opaque>`) and Personal Access Tokens (Basic). This module alone
 * reads and writes the `access_tokens` and `pats` tables; only SHA-256 hashes of the secrets are stored.
 */
import { nowIso, type Queryable } from '../store/db.js';
import { hashSecret, randomSecret } from './secrets.js';

export interface NewAccessToken {
  licenseId: number;
  accountId: string;
  clientId: string | null;
  scopes: readonly string[];
  region: string;
  /** Seconds; null = no expiry. */
  ttlSeconds?: number | null;
}

/** Returns `<region>:<opaque>`; only its hash is stored. */
export async function issueAccessToken(trx: Queryable, t: NewAccessToken): Promise<string> {
  const token = `${t.region}:${randomSecret(24)}`;
  await trx
    .insertInto('access_tokens')
    .values({
      token_hash: hashSecret(token),
      license_id: t.licenseId,
      account_id: t.accountId,
      client_id: t.clientId,
      scopes: t.scopes.join(' '),
      region: t.region,
      expires_at: t.ttlSeconds ? new Date(Date.now() + t.ttlSeconds * 1000).toISOString() : null,
      created_at: nowIso(),
    })
    .execute();
  return token;
}

/** Returns the PAT; only its hash is stored. */
export async function createPat(
  trx: Queryable,
  p: { licenseId: number; accountId: string; scopes: readonly string[] },
): Promise<string> {
  const pat = randomSecret(24);
  await trx
    .insertInto('pats')
    .values({
      token_hash: hashSecret(pat),
      license_id: p.licenseId,
      account_id: p.accountId,
      scopes: p.scopes.join(' '),
      created_at: nowIso(),
    })
    .execute();
  return pat;
}

export const basicAuth = (accountId: string, pat: string): string =>
  Buffer.from(`${accountId}:${pat}`).toString('base64');

/** Every token and PAT of an account (its agent is being deleted). */
export async function deleteCredentialsOf(trx: Queryable, licenseId: number, accountId: string): Promise<void> {
  await trx.deleteFrom('access_tokens').where('license_id', '=', licenseId).where('account_id', '=', accountId).execute();
  await trx.deleteFrom('pats').where('license_id', '=', licenseId).where('account_id', '=', accountId).execute();
}

/** An access token with its agent and licence, by the token itself (looked up by hash). */
export function findAccessToken(db: Queryable, token: string) {
  return db
    .selectFrom('access_tokens as t')
    .innerJoin('agents as a', (j) => j.onRef('a.account_id', '=', 't.account_id').onRef('a.license_id', '=', 't.license_id'))
    .innerJoin('licenses as l', 'l.id', 't.license_id')
    .select([
      't.license_id', 't.account_id', 't.client_id', 't.scopes', 't.region', 't.expires_at as token_expires_at',
      'a.id as agent_id', 'a.role', 'a.type', 'a.suspended', 'l.organization_id', 'l.expires_at as license_expires_at',
    ])
    .where('t.token_hash', '=', hashSecret(token))
    .executeTakeFirst();
}

/** A PAT with its agent and licence, by account id and the PAT itself (looked up by hash). */
export function findPat(db: Queryable, accountId: string, pat: string) {
  return db
    .selectFrom('pats as p')
    .innerJoin('agents as a', (j) => j.onRef('a.account_id', '=', 'p.account_id').onRef('a.license_id', '=', 'p.license_id'))
    .innerJoin('licenses as l', 'l.id', 'p.license_id')
    .select([
      'p.license_id', 'p.account_id', 'p.scopes', 'a.id as agent_id', 'a.role', 'a.type', 'a.suspended',
      'l.organization_id', 'l.region', 'l.expires_at as license_expires_at',
    ])
    .where('p.token_hash', '=', hashSecret(pat))
    .where('p.account_id', '=', accountId)
    .executeTakeFirst();
}
