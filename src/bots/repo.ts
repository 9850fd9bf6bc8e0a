/**
 * Bots are agents of type 'bot' (table `agents`); bot templates are organization-level (table `bot_templates`).
 * Views (`fields` projection), full state for webhooks, "my bots" for each kind of caller.
 */
import type { Selectable } from 'kysely';
import { ApiError } from '../kernel/errors.js';
import type { Caller } from '../kernel/registry.js';
import type { Queryable } from '../store/db.js';
import type {} from '../store/schema.js';
import type { Membership } from '../groups/membership.js';
import { parseScheduler, type AgentRow } from '../agents/repo.js';

export interface BotTemplatesTable {
  id: string;
  organization_id: string;
  owner_client_id: string;
  name: string;
  avatar: string | null;
  max_chats_count: number;
  default_group_priority: string;
  job_title: string | null;
  secret_hash: string;
  created_at: string;
  updated_at: string;
}

declare module '../store/schema.js' {
  interface Database {
    bot_templates: BotTemplatesTable;
  }
}

export type TemplateRow = Selectable<BotTemplatesTable>;

/** `fields[]` values of get_bot and list_bots. */
export const BOT_FIELDS = ['groups', 'work_scheduler', 'job_title', 'max_chats_count', 'timezone'] as const;
export const BOT_MAX_CHATS_LIMIT = 500;
export const DEFAULT_BOT_PRIORITY = 'first';
export const MAX_TEMPLATES_PER_CLIENT = 5;

/** How a bot came to be: decides list_bots `all:false` and the "my" reach. */
export type CreatedVia = 'app' | 'pat' | 'template';

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

/**
 * "My" bots of a caller (the `--my` reach and list_bots `all:false`):
 * a bot token (or an access token of a bot account) → the bot itself; a PAT → bots created with PAT authorization;
 * a Bearer token → bots created via an app (create_bot with a Bearer token, or a template) owned by the token's client id.
 */
export function isMyBot(caller: Caller, row: AgentRow): boolean {
  if (caller.agentType === 'bot') return row.id === caller.agentId;
  if (caller.kind === 'pat') return row.created_via === 'pat';
  return caller.clientId !== null && row.owner_client_id === caller.clientId && row.created_via !== 'pat';
}

/**
 * The client id acting as owner: `owner_client_id` when given, else the Bearer token's client id.
 * Required with a PAT (and with a token that is not bound to an application).
 */
export function ownerClientOf(caller: Caller, ownerClientId: string | undefined): string {
  if (ownerClientId !== undefined) return ownerClientId;
  if (caller.kind === 'pat') {
    throw new ApiError('validation', '`owner_client_id` is required when authorizing with a Personal Access Token');
  }
  if (!caller.clientId) {
    throw new ApiError('validation', '`owner_client_id` is required: the access token is not bound to an application');
  }
  return caller.clientId;
}

export async function findTemplate(
  db: Queryable,
  organizationId: string,
  ownerClientId: string,
  id: string,
): Promise<TemplateRow> {
  const row = await db
    .selectFrom('bot_templates')
    .selectAll()
    .where('id', '=', id)
    .where('owner_client_id', '=', ownerClientId)
    .where('organization_id', '=', organizationId)
    .executeTakeFirst();
  if (!row) throw new ApiError('not_found', `Bot template ${id} not found`);
  return row;
}
