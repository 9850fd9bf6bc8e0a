/** CLI commands contributed by areas (webhook deliveries, channels, …). Keys are "noun verb". */
import type { Command } from './main.js';
import { channelCommands } from '../other/cli.js';
import { deliveryCommands } from '../webhooks/cli.js';
import { licenseCommands } from './license.js';
import { keysCommands } from './keys.js';

export const extraCommands: Record<string, Command> = {
  ...channelCommands,
  ...deliveryCommands,
  ...licenseCommands,
  'keys status': ({ config, withStore }) => keysCommands.status(config, withStore),
  'keys rotate': ({ config, withStore }) => keysCommands.rotate(config, withStore),
  'keys adopt': ({ config, withStore }) => keysCommands.adopt(config, withStore),
};
