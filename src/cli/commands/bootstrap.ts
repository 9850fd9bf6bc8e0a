/** `config-api bootstrap`: organization, licence, owner, installed application, token and PAT in one step. */
import { Option, type Command } from 'commander';
import { PLANS } from '../../tenancy/licenses.js';
import { bootstrap } from '../../provisioning/bootstrap.js';
import { printing, type CliContext } from '../context.js';
import { dateTime } from '../options.js';

interface Options {
  ownerEmail?: string;
  plan?: string;
  expiresAt?: string;
  sourceId?: string;
  sourceType?: string;
  sourceUrl?: string;
}

export function bootstrapCommand(program: Command, ctx: CliContext): void {
  const cmd = program
    .command('bootstrap')
    .description(
      'Create an organization, a licence (in $REGION), its owner and an installed application → ' +
        '{organization_id, license_id, region, owner:{id,account_id}, client_id, bearer_token, pat, basic_auth} (tokens carry every scope)',
    )
    .option('--owner-email <email>', "the owner's id (email)")
    .addOption(new Option('--plan <plan>', 'the licence plan').choices(PLANS))
    .option('--expires-at <date-time>', 'licence expiry (RFC 3339)', dateTime)
    .option('--source-id <id>', 'product source: source_id')
    .option('--source-type <type>', 'product source: source_type')
    .option('--source-url <url>', 'product source: source_url');
  printing(cmd, ctx, async (o: Options) => {
    const { region } = ctx.config();
    const options = {
      region,
      ownerEmail: o.ownerEmail,
      plan: o.plan,
      expiresAt: o.expiresAt ?? null,
      source: {
        ...(o.sourceId !== undefined ? { source_id: o.sourceId } : {}),
        ...(o.sourceType !== undefined ? { source_type: o.sourceType } : {}),
        ...(o.sourceUrl !== undefined ? { source_url: o.sourceUrl } : {}),
      },
    };
    const result = await ctx.withCore((core) => core.transaction((tx) => bootstrap(tx, core.cascades, options)));
    return { json: result, text: JSON.stringify(result, null, 2) };
  });
}
