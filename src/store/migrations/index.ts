/** The one migration set for both dialects. Each area adds its own file here, in order. */
import type { Migration } from 'kysely';
import * as m0001 from './0001_foundation.js';
import * as m0005 from './0005_webhooks.js';

export const migrations: Record<string, Migration> = {
  '0001_foundation': m0001,
  '0005_webhooks': m0005,
};
