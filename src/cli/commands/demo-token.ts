/** `config-api demo-token`: a new bearer token for the demo licence's owner (when the one serve printed was lost). */
import type { Command } from 'commander';
import { demoToken } from '../../provisioning/demo.js';
import { CliError, printing, type CliContext } from '../context.js';

export function demoTokenCommand(program: Command, ctx: CliContext): void {
  const cmd = program
    .command('demo-token')
    .description("A new bearer token for the demo licence's owner (when the printed one was lost) → {license_id, region, owner:{id,account_id}, client_id, bearer_token}");
  printing(cmd, ctx, async () => {
    const { region } = ctx.config();
    const t = await ctx.withCore(({ store }) => demoToken(store, region));
    if (!t) throw new CliError(`No demo licence in region ${region}: config-api serve creates one on an empty database`);
    return { json: t, text: `Bearer token of ${t.owner.id} (licence ${t.license_id}):\n${t.bearer_token}` };
  });
}
