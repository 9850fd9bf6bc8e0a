/** `config-api token create` and `config-api pat create`: credentials for an agent (or bot) of a licence. */
import type { Command } from 'commander';
import { findAccount } from '../../agents/repo.js';
import { applicationExists, basicAuth, createPat, findLicense, issueAccessToken } from '../../tenancy/tenancy.js';
import type { Queryable } from '../../store/db.js';
import { CliError, printing, type CliContext } from '../context.js';
import { integerBetween, licenceId, scopeList } from '../options.js';

async function accountOf(db: Queryable, licenseId: number, agentId: string) {
  const account = await findAccount(db, licenseId, agentId);
  if (!account) throw new CliError(`Agent ${agentId} not found on licence ${licenseId}`);
  return account;
}

export function tokenCommand(program: Command, ctx: CliContext): void {
  const create = program
    .command('token')
    .description('Access tokens')
    .command('create')
    .description('Issue an access token → {bearer_token}')
    .requiredOption('--license <id>', 'the licence id', licenceId)
    .requiredOption('--agent <id>', 'the agent (or bot) the token acts as')
    .option('--client-id <id>', 'the application the token is issued to')
    .requiredOption('--scopes <list>', 'scopes, comma-separated, or "all"', scopeList)
    .option('--ttl <seconds>', 'lifetime in seconds (default: no expiry)', integerBetween(1, Number.MAX_SAFE_INTEGER));
  printing(create, ctx, async (o: { license: number; agent: string; clientId?: string; scopes: string[]; ttl?: number }) => {
    const token = await ctx.withCore(async ({ store: s }) => {
      const lic = await findLicense(s.db, o.license);
      if (!lic) throw new CliError(`Licence ${o.license} not found`);
      const account = await accountOf(s.db, o.license, o.agent);
      if (o.clientId && !(await applicationExists(s.db, o.clientId))) throw new CliError(`Application ${o.clientId} not found`);
      return issueAccessToken(s.db, {
        licenseId: o.license,
        accountId: account.account_id,
        clientId: o.clientId ?? null,
        scopes: o.scopes,
        region: lic.region,
        ttlSeconds: o.ttl ?? null,
      });
    });
    return { json: { bearer_token: token }, text: token };
  });
}

export function patCommand(program: Command, ctx: CliContext): void {
  const create = program
    .command('pat')
    .description('Personal Access Tokens')
    .command('create')
    .description('Create a Personal Access Token → {account_id, pat, basic_auth}')
    .requiredOption('--license <id>', 'the licence id', licenceId)
    .requiredOption('--agent <id>', 'the agent (or bot) the PAT belongs to')
    .requiredOption('--scopes <list>', 'scopes, comma-separated, or "all"', scopeList);
  printing(create, ctx, async (o: { license: number; agent: string; scopes: string[] }) => {
    const out = await ctx.withCore(async ({ store: s }) => {
      const account = await accountOf(s.db, o.license, o.agent);
      const pat = await createPat(s.db, { licenseId: o.license, accountId: account.account_id, scopes: o.scopes });
      return { account_id: account.account_id, pat, basic_auth: basicAuth(account.account_id, pat) };
    });
    return { json: out, text: `Authorization: Basic ${out.basic_auth}` };
  });
}
