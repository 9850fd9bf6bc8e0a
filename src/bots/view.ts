/** The bot views (get_bot, list_bots, the bot_created webhook): base fields plus the requested `fields`. */
import type { Membership } from '../groups/repo.js';
import type { AgentRow } from '../agents/repo.js';
import { parseScheduler } from '../agents/view.js';

/** `fields[]` values of get_bot and list_bots. */
export const BOT_FIELDS = ['groups', 'work_scheduler', 'job_title', 'max_chats_count', 'timezone'] as const;
export const BOT_MAX_CHATS_LIMIT = 500;
/** The priority in groups of a bot or template that names none (the spec maps `first` to the app's "Bot" option). */
export const DEFAULT_BOT_PRIORITY = 'first';
function extraFields(
  out: Record<string, unknown>,
  row: AgentRow,
  groups: Membership[] | undefined,
  fields: ReadonlySet<string>,
): Record<string, unknown> {
  if (fields.has('groups')) out.groups = groups ?? [];
  if (fields.has('work_scheduler')) out.work_scheduler = parseScheduler(row.work_scheduler);
  if (fields.has('job_title')) out.job_title = row.job_title ?? '';
  if (fields.has('max_chats_count')) out.max_chats_count = row.max_chats_count;
  if (fields.has('timezone')) out.timezone = row.timezone ?? '';
  return out;
}

/** get_bot: the example's base fields (id, name, avatar, default_group_priority, owner_client_id) + `fields`. */
export function botView(row: AgentRow, groups: Membership[] | undefined, fields: ReadonlySet<string>): Record<string, unknown> {
  return extraFields(
    {
      id: row.id,
      name: row.name,
      avatar: row.avatar ?? '',
      default_group_priority: row.default_group_priority ?? DEFAULT_BOT_PRIORITY,
      owner_client_id: row.owner_client_id ?? '',
    },
    row,
    groups,
    fields,
  );
}

/** list_bots: the example's base fields (id, name, avatar) + `fields`. */
export function botListView(row: AgentRow, groups: Membership[] | undefined, fields: ReadonlySet<string>): Record<string, unknown> {
  return extraFields({ id: row.id, name: row.name, avatar: row.avatar ?? '' }, row, groups, fields);
}

const ALL_FIELDS: ReadonlySet<string> = new Set(BOT_FIELDS);

/** Full state, as bot_created carries it (exactly the webhook reference's bot fields). */
export function botFullState(row: AgentRow, groups: Membership[]): Record<string, unknown> {
  return botView(row, groups, ALL_FIELDS);
}
