/**
 * `config-api token create` and `config-api pat create`: credentials for an agent (or bot) of a licence, through the
 * same functions as the control plane's POST /admin/tokens and /admin/pats.
 */
import type { Command } from 'commander';
import { createPat, issueAccessToken } from '../../provisioning/credentials.js';
import { printing, type CliContext } from '../context.js';
import { integerBetween, licenceId, scopeList } from '../options.js';

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
    const { bearer_token: token } = await ctx.withCore((core) =>
      core.transaction((tx) =>
        issueAccessToken(tx, { licenseId: o.license, agentId: o.agent, clientId: o.clientId ?? null, scopes: o.scopes, ttlSeconds: o.ttl ?? null }),
      ),
    );
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
    const out = await ctx.withCore((core) => core.transaction((tx) => createPat(tx, { licenseId: o.license, agentId: o.agent, scopes: o.scopes })));
    return { json: out, text: `Authorization: Basic ${out.basic_auth}` };
  });
}
