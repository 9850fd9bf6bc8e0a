/** `config-api channels record|list`: operators record channel activity that list_channels reports. */
import type { Command } from 'commander';
import { listChannels, recordChannelActivity } from '../../other/channels.js';
import { printing, type CliContext } from '../context.js';
import { licenceId } from '../options.js';

export function channelsCommand(program: Command, ctx: CliContext): void {
  const channels = program.command('channels').description('Channel activity (what list_channels reports)');

  const record = channels
    .command('record')
    .description(
      'Record activity on a channel; the earliest time per channel is kept → {channel_type, channel_subtype, first_activity_timestamp}',
    )
    .requiredOption('--license <id>', 'the licence id', licenceId)
    .requiredOption('--type <type>', 'code, direct_link or integration')
    .option('--subtype <client-id>', 'the client id (required for integration only)')
    .option('--at <date-time>', 'when (RFC 3339; default now)');
  printing(record, ctx, async (o: { license: number; type: string; subtype?: string; at?: string }) => {
    const channel = await ctx.withCore(({ store }) =>
      recordChannelActivity(store.db, { licenseId: o.license, type: o.type, subtype: o.subtype, at: o.at }),
    );
    const sub = channel.channel_subtype ? ` ${channel.channel_subtype}` : '';
    return { json: channel, text: `${channel.channel_type}${sub}: first activity ${channel.first_activity_timestamp}` };
  });

  const list = channels
    .command('list')
    .description("The licence's channels → {license_id, channels:[…]}")
    .requiredOption('--license <id>', 'the licence id', licenceId);
  printing(list, ctx, async (o: { license: number }) => {
    const found = await ctx.withCore(({ store }) => listChannels(store.db, o.license));
    return {
      json: { license_id: o.license, channels: found },
      text: found.map((c) => `${c.first_activity_timestamp}  ${c.channel_type}${c.channel_subtype ? ` ${c.channel_subtype}` : ''}`).join('\n') || 'No channels',
    };
  });
}
