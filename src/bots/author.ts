/**
 * `X-Author-Id` (configuration-api-v3.5.md "Bots": "old (v3.5 and lower): a bot shares the access token with the
 * agent who created it. To make calls as a bot, you need to provide the agent token and the `X-Author-Id` header"):
 * an agent's credential with `X-Author-Id: <bot id>` acts as that bot when the bot is one the credential may act for,
 * its own bots (`isMyBot`: created through the token's application, or with a PAT for a PAT). The HTTP layer applies
 * it where the version's rules accept the header (`VersionRules.botAuthorHeader`: v3.4, v3.5; v3.6 refuses it).
 */
import { ApiError } from '../kernel/errors.js';
import { newCaller, type Caller } from '../kernel/caller.js';
import type { Queryable } from '../store/store.js';
import { findAgent } from '../agents/repo.js';
import { isMyBot } from './rules.js';

/** The caller acting as the bot `botId` (`authorization` when the credential may not act for it, or it is no bot). */
export async function actingAsBot(db: Queryable, caller: Caller, botId: string): Promise<Caller> {
  const refused = () => new ApiError('authorization', `This credential may not act as the bot \`${botId}\` (X-Author-Id)`);
  if (caller.agentType === 'bot') {
    // A bot token (or a bot's own credential) already acts as its bot: naming itself changes nothing.
    if (caller.agentId.toLowerCase() === botId.toLowerCase()) return caller;
    throw refused();
  }
  const bot = await findAgent(db, caller.licenseId, botId, 'bot');
  if (!bot || !isMyBot(caller, bot)) throw refused();
  // The bot, with the credential's application, scopes and the agent's suspension (a suspended agent lends nothing).
  return newCaller({
    kind: caller.kind,
    licenseId: caller.licenseId,
    organizationId: caller.organizationId,
    region: caller.region,
    accountId: bot.account_id,
    agentId: bot.id,
    role: 'normal',
    type: 'bot',
    suspended: caller.suspended,
    clientId: caller.clientId,
    scopes: caller.scopes,
  });
}
