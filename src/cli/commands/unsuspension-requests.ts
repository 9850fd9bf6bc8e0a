/** `config-api unsuspension-requests list`: what request_agent_unsuspension sent to the licence's owners. */
import type { Command } from 'commander';
import { listUnsuspensionRequests } from '../../agents/unsuspension-requests.js';
import { printing, type CliContext } from '../context.js';
import { licenceId } from '../options.js';

export function unsuspensionRequestsCommand(program: Command, ctx: CliContext): void {
  const list = program
    .command('unsuspension-requests')
    .description('Unsuspension requests of suspended agents')
    .command('list')
    .description("Unsuspension requests sent to the licence's owners → {requests:[{id, agent_id, recipients, requested_at}]}")
    .requiredOption('--license <id>', 'the licence id', licenceId);
  printing(list, ctx, async (o: { license: number }) => {
    const requests = await ctx.withCore(({ store }) => listUnsuspensionRequests(store.db, o.license));
    return {
      json: { requests },
      text: requests.map((r) => `${r.requested_at}  ${r.agent_id} → ${r.recipients.join(', ')}`).join('\n') || 'No requests',
    };
  });
}
