/** `config-api app create|install`: applications and their installation on licences. */
import type { Command } from 'commander';
import { createApplication, installApplication } from '../../provisioning/applications.js';
import { printing, type CliContext } from '../context.js';
import { licenceId } from '../options.js';

export function appCommand(program: Command, ctx: CliContext): void {
  const app = program.command('app').description('Applications (OAuth clients)');

  const create = app
    .command('create')
    .description('Create an application of an organization → {client_id}')
    .requiredOption('--organization <id>', 'the organization id')
    .option('--install <license>', 'install it on this licence too', licenceId)
    .option('--name <name>', 'application name', 'Application');
  printing(create, ctx, async (o: { organization: string; install?: number; name: string }) => {
    const { client_id: clientId } = await ctx.withCore((core) =>
      core.transaction((tx) => createApplication(tx, core.cascades, { organizationId: o.organization, licenseId: o.install, name: o.name })),
    );
    return { json: { client_id: clientId }, text: `client_id: ${clientId}` };
  });

  const install = app
    .command('install')
    .description('Install an application on a licence → {client_id, license_id, installed}')
    .requiredOption('--client-id <id>', "the application's client id")
    .requiredOption('--license <id>', 'the licence id', licenceId);
  printing(install, ctx, async (o: { clientId: string; license: number }) => {
    const installed = await ctx.withCore((core) => core.transaction((tx) => installApplication(tx, core.cascades, o.clientId, o.license)));
    return { json: { client_id: o.clientId, license_id: o.license, installed }, text: installed ? 'Installed' : 'Already installed' };
  });
}
