/**
 * Who a credential acts as: the credential lookups of authentication, one statement each. The credential
 * (tenancy/credentials.ts), its agent (repo.ts) and its licence (tenancy/licenses.ts) are each built by the owner of
 * its table and joined here on the columns they select. Here, in the agents area, because the agent is part of the
 * answer and tenancy (the base below the areas) imports no area.
 */
import type { Queryable } from '../store/store.js';
import { accessTokenByToken, patByAccount } from '../tenancy/credentials.js';
import { licensesForAuthentication } from '../tenancy/licenses.js';
import { agentsForAuthentication } from './repo.js';

/** An access token with its agent and licence, by the token itself (looked up by hash). */
export function findAccessToken(db: Queryable, token: string) {
  return db
    .selectFrom(accessTokenByToken(db, token).as('t'))
    .innerJoin(agentsForAuthentication(db).as('a'), (j) => j.onRef('a.account_id', '=', 't.account_id').onRef('a.license_id', '=', 't.license_id'))
    .innerJoin(licensesForAuthentication(db).as('l'), 'l.license_id', 't.license_id')
    .select([
      't.license_id', 't.account_id', 't.client_id', 't.scopes', 't.region', 't.token_expires_at',
      'a.agent_id', 'a.role', 'a.type', 'a.suspended', 'l.organization_id', 'l.license_expires_at',
    ])
    .executeTakeFirst();
}

/** A PAT with its agent and licence, by account id and the PAT itself (looked up by hash). */
export function findPat(db: Queryable, accountId: string, pat: string) {
  return db
    .selectFrom(patByAccount(db, accountId, pat).as('p'))
    .innerJoin(agentsForAuthentication(db).as('a'), (j) => j.onRef('a.account_id', '=', 'p.account_id').onRef('a.license_id', '=', 'p.license_id'))
    .innerJoin(licensesForAuthentication(db).as('l'), 'l.license_id', 'p.license_id')
    .select([
      'p.license_id', 'p.account_id', 'p.scopes', 'a.agent_id', 'a.role', 'a.type', 'a.suspended',
      'l.organization_id', 'l.region', 'l.license_expires_at',
    ])
    .executeTakeFirst();
}
