/** `config-api channels record|list`: operators record channel activity that list_channels reports. */
import { licenseFlag, type Command } from '../cli/main.js';
import { listChannels, recordChannelActivity } from './channels.js';

const str = (v: string | boolean | undefined): string | undefined => (typeof v === 'string' ? v : undefined);

export const channelCommands: Record<string, Command> = {
  async 'channels record'({ flags, withStore }) {
    const licenseId = licenseFlag(flags);
    const channel = await withStore((s) =>
      recordChannelActivity(s.db, { licenseId, type: str(flags.type) ?? '', subtype: str(flags.subtype), at: str(flags.at) }),
    );
    const sub = channel.channel_subtype ? ` ${channel.channel_subtype}` : '';
    return { json: channel, text: `${channel.channel_type}${sub}: first activity ${channel.first_activity_timestamp}` };
  },
  async 'channels list'({ flags, withStore }) {
    const licenseId = licenseFlag(flags);
    const channels = await withStore((s) => listChannels(s.db, licenseId));
    return {
      json: { license_id: licenseId, channels },
      text: channels.map((c) => `${c.first_activity_timestamp}  ${c.channel_type}${c.channel_subtype ? ` ${c.channel_subtype}` : ''}`).join('\n') || 'No channels',
    };
  },
};
