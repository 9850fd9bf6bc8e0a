/** The one migration set for both dialects. Each area adds its own file here, in order. */
import type { Migration } from 'kysely';
import * as m0001 from './0001_foundation.js';
import * as m0002 from './0002_bots.js';
import * as m0003 from './0003_tags_access_other.js';
import * as m0004 from './0004_properties.js';
import * as m0005 from './0005_webhooks.js';
import * as m0006 from './0006_indexes.js';
import * as m0007 from './0007_agents_version.js';
import * as m0008 from './0008_agents_unique_lower_id.js';
import * as m0009 from './0009_drop_token_signing_key.js';
import * as m0010 from './0010_admin_snapshots.js';
import * as m0011 from './0011_delivery_attempts.js';
import * as m0012 from './0012_v36_areas.js';
import * as m0013 from './0013_license_keys.js';
import * as m0014 from './0014_bot_type.js';
import * as m0015 from './0015_shared_state.js';
import * as m0017 from './0017_webhook_versions.js';
import * as m0018 from './0018_agents_notify.js';

export const migrations: Record<string, Migration> = {
  '0001_foundation': m0001,
  '0002_bots': m0002,
  '0003_tags_access_other': m0003,
  '0004_properties': m0004,
  '0005_webhooks': m0005,
  '0006_indexes': m0006,
  '0007_agents_version': m0007,
  '0008_agents_unique_lower_id': m0008,
  '0009_drop_token_signing_key': m0009,
  '0010_admin_snapshots': m0010,
  '0011_delivery_attempts': m0011,
  '0012_v36_areas': m0012,
  '0013_license_keys': m0013,
  '0014_bot_type': m0014,
  '0015_shared_state': m0015,
  '0017_webhook_versions': m0017,
  '0018_agents_notify': m0018,
};
