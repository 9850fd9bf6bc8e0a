/**
 * Credentials: access tokens (`Bearer <region>:<opaque>`) and Personal Access Tokens (Basic). This module alone
 * reads and writes the `access_tokens` and `pats` tables; only SHA-256 hashes of the secrets are stored. Issuing one
 * for an agent named by id (checked) is provisioning's (provisioning/credentials.ts); authentication joins the
 * lookups below with the credential's agent and licence (agents/authentication.ts).
 */
import { nowIso, type Queryable } from '../store/store.js';
import { hashSecret, randomSecret } from '../kernel/crypto.js';

export interface AccessTokensTable {
  token_hash: string;
  license_id: number;
  account_id: string;
  client_id: string | null;
  scopes: string;
  region: string;
  expires_at: string | null;
  created_at: string;
}

export interface PatsTable {
  token_hash: string;
  license_id: number;
  account_id: string;
  scopes: string;
  created_at: string;
}

declare module '../store/schema.js' {
  interface Database {
    access_tokens: AccessTokensTable;
    pats: PatsTable;
  }
}

export interface NewAccessToken {
  licenseId: number;
  accountId: string;
  clientId: string | null;
  scopes: readonly string[];
  region: string;
  /** Seconds; null = no expiry. */
  ttlSeconds?: number | null;
}

/** A new access token for an account; returns `<region>:<opaque>` (only its hash is stored). */
export async function insertAccessToken(trx: Queryable, t: NewAccessToken): Promise<string> {
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

/** A new Personal Access Token for an account; returns it (only its hash is stored). */
export async function insertPat(
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

/**
 * The access token, by the token itself (looked up by hash), as a query to join with its agent and licence in one
 * statement (agents/authentication.ts).
 */
export const accessTokenByToken = (db: Queryable, token: string) =>
  db
    .selectFrom('access_tokens')
    .select(['license_id', 'account_id', 'client_id', 'scopes', 'region', 'expires_at as token_expires_at'])
    .where('token_hash', '=', hashSecret(token));

/**
 * The PAT, by account id and the PAT itself (looked up by hash), as a query to join with its agent and licence in
 * one statement (agents/authentication.ts).
 */
export const patByAccount = (db: Queryable, accountId: string, pat: string) =>
  db
    .selectFrom('pats')
    .select(['license_id', 'account_id', 'scopes'])
    .where('token_hash', '=', hashSecret(pat))
    .where('account_id', '=', accountId);
