/**
 * Bot templates (organization-level, per application): the only module that reads and writes `bot_templates`. The
 * bots made from a template are rows of `agents` (agents/bot-rows.ts), kept in step by propagation.ts.
 */
import type { Selectable } from 'kysely';
import { ApiError } from '../kernel/errors.js';
import { nowIso, type Queryable } from '../store/store.js';

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

/** "An application can have at most 5 bot templates." */
export const MAX_TEMPLATES_PER_CLIENT = 5;

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
