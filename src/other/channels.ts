/**
 * The only module that reads and writes `channels`.
 * Communication channels per licence (list_channels): the first activity seen on each channel. This service has no
 * chat traffic of its own, so operators record activity with `config-api channels record`; the earliest time wins.
 */
import { sql } from 'kysely';
import { ApiError } from '../kernel/errors.js';
import type { Queryable } from '../store/store.js';
import { findLicense } from '../tenancy/licenses.js';

export interface ChannelsTable {
  license_id: number;
  channel_type: string;
  channel_subtype: string;
  first_activity_timestamp: string;
}
declare module '../store/schema.js' {
  interface Database {
    channels: ChannelsTable;
  }
}

export const CHANNEL_TYPES = ['code', 'direct_link', 'integration'] as const;

export interface Channel {
  channel_type: string;
  channel_subtype: string;
  first_activity_timestamp: string;
}

const RFC3339 = /^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/;

/** RFC 3339 in UTC, whole seconds (as the spec's example: `2017-10-12T13:56:16Z`). */
export function channelTimestamp(at?: string): string {
  let d = new Date();
  if (at !== undefined) {
    if (!RFC3339.test(at) || Number.isNaN(Date.parse(at))) {
      throw new ApiError('validation', `\`at\` should be an RFC 3339 date-time, e.g. 2017-10-12T13:56:16Z (got ${JSON.stringify(at)})`);
    }
    d = new Date(at);
  }
  return `${d.toISOString().slice(0, 19)}Z`;
}

export interface ChannelActivity {
  licenseId: number;
  type: string;
  subtype?: string;
  at?: string;
}

/** Record activity on a channel, keeping the earliest time per (type, subtype). Returns the stored channel. */
export async function recordChannelActivity(db: Queryable, a: ChannelActivity): Promise<Channel> {
  if (!(CHANNEL_TYPES as readonly string[]).includes(a.type)) {
    throw new ApiError('validation', `\`type\` should be one of: ${CHANNEL_TYPES.join(', ')}`);
  }
  const subtype = a.subtype ?? '';
  if (a.type === 'integration' && subtype === '') {
    throw new ApiError('validation', '`subtype` (the integration\'s client id) is required for the `integration` type');
  }
  if (a.type !== 'integration' && subtype !== '') {
    throw new ApiError('validation', `\`subtype\` must be empty for the \`${a.type}\` type`);
  }
  const at = channelTimestamp(a.at);
  const lic = await findLicense(db, a.licenseId);
  if (!lic) throw new ApiError('not_found', `Licence ${a.licenseId} not found`);
  return db
    .insertInto('channels')
    .values({ license_id: a.licenseId, channel_type: a.type, channel_subtype: subtype, first_activity_timestamp: at })
    .onConflict((oc) =>
      oc.columns(['license_id', 'channel_type', 'channel_subtype']).doUpdateSet({
        first_activity_timestamp: sql<string>`CASE WHEN excluded.first_activity_timestamp < channels.first_activity_timestamp
          THEN excluded.first_activity_timestamp ELSE channels.first_activity_timestamp END`,
      }),
    )
    .returning(['channel_type', 'channel_subtype', 'first_activity_timestamp'])
    .executeTakeFirstOrThrow();
}

/** The licence's channels, oldest first activity first. */
export function listChannels(db: Queryable, licenseId: number): Promise<Channel[]> {
  return db
    .selectFrom('channels')
    .select(['channel_type', 'channel_subtype', 'first_activity_timestamp'])
    .where('license_id', '=', licenseId)
    .orderBy('first_activity_timestamp')
    .orderBy('channel_type')
    .orderBy('channel_subtype')
    .execute();
}
