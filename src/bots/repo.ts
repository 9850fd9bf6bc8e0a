/**
 * Bots are agents of type 'bot' (table `agents`, owned by the agents repository); bot templates are
 * organization-level (table `bot_templates`): this module alone reads and writes them.
 * Views (`fields` projection), full state for webhooks, "my bots" for each kind of caller.
 */
import type { Selectable } from 'kysely';
import { ApiError } from '../kernel/errors.js';
import type { Caller } from '../kernel/registry.js';
import { nowIso, type Queryable } from '../store/store.js';
import type { Membership } from '../groups/repo.js';
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

/** How many templates the application has (across licences and organizations). */
export async function countTemplatesOf(db: Queryable, ownerClientId: string): Promise<number> {
  const row = await db
    .selectFrom('bot_templates')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('owner_client_id', '=', ownerClientId)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

/** The application's templates, oldest first; with `organizationId`, only those of that organization. */
export function listTemplates(db: Queryable, ownerClientId: string, organizationId?: string): Promise<TemplateRow[]> {
  let q = db.selectFrom('bot_templates').selectAll().where('owner_client_id', '=', ownerClientId);
  if (organizationId !== undefined) q = q.where('organization_id', '=', organizationId);
  return q.orderBy('created_at').orderBy('id').execute();
}

export async function insertTemplate(trx: Queryable, template: TemplateRow): Promise<void> {
  await trx.insertInto('bot_templates').values(template).execute();
}

/** Template fields a template update may change (the same columns exist on its bots). */
export interface TemplateChanges {
  name?: string;
  avatar?: string;
  max_chats_count?: number;
  default_group_priority?: string;
  job_title?: string;
}

/** Write changed columns of a template (`secret_hash` included), stamping `updated_at` (now unless given). */
export async function updateTemplate(
  trx: Queryable,
  id: string,
  set: TemplateChanges & { secret_hash?: string; updated_at?: string },
): Promise<void> {
  await trx.updateTable('bot_templates').set({ ...set, updated_at: set.updated_at ?? nowIso() }).where('id', '=', id).execute();
}

export async function deleteTemplate(trx: Queryable, id: string): Promise<void> {
  await trx.deleteFrom('bot_templates').where('id', '=', id).execute();
}
