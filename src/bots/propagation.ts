/**
 * Bots based on templates: created on installation, and (with `affect_existing_installations`) created, updated,
 * deleted or given a new secret on every licence where the template's application is installed.
 * Each call runs inside the caller's transaction; rows are read and written with one query per table.
 * Events are recorded per affected licence with the template's owner client id as their source.
 */
import { sql } from 'kysely';
import { dialectOf, nowIso, type Queryable } from '../store/db.js';
import type { Cascades } from '../kernel/area.js';
import { deleteAgentRow } from '../agents/actions.js';
import { newAgentRow, type AgentRow } from '../agents/repo.js';
import { recordEvent, type EventSource } from '../webhooks/outbox.js';
import { botFullState, type TemplateRow } from './repo.js';

export interface InstalledLicense {
  id: number;
  organization_id: string;
}

/** Licences where the application is installed, locked (PostgreSQL) in id order. */
export async function installedLicenses(trx: Queryable, clientId: string): Promise<InstalledLicense[]> {
  const rows = await trx
    .selectFrom('installations as i')
    .innerJoin('licenses as l', 'l.id', 'i.license_id')
    .select(['l.id', 'l.organization_id'])
    .where('i.client_id', '=', clientId)
    .orderBy('l.id')
    .execute();
  if (dialectOf(trx) === 'postgres' && rows.length > 0) {
    const ids = rows.map((r) => r.id);
    await sql`SELECT id FROM licenses WHERE id IN (${sql.join(ids)}) ORDER BY id FOR UPDATE`.execute(trx);
  }
  return rows;
}

const templateSource = (t: TemplateRow, lic: InstalledLicense): EventSource => ({
  licenseId: lic.id,
  organizationId: lic.organization_id,
  clientId: t.owner_client_id,
});

/** The template's bots on the given licences. */
async function templateBots(trx: Queryable, t: TemplateRow, licenseIds: number[]): Promise<AgentRow[]> {
  if (licenseIds.length === 0) return [];
  return trx
    .selectFrom('agents')
    .selectAll()
    .where('id', '=', t.id)
    .where('type', '=', 'bot')
    .where('license_id', 'in', licenseIds)
    .orderBy('license_id')
    .execute();
}

/** Create the template's bot on every licence that does not have it yet. */
export async function createTemplateBots(trx: Queryable, t: TemplateRow, licenses: InstalledLicense[]): Promise<void> {
  const existing = new Set((await templateBots(trx, t, licenses.map((l) => l.id))).map((r) => r.license_id));
  const targets = licenses.filter((l) => !existing.has(l.id));
  if (targets.length === 0) return;
  const now = nowIso();
  const rows = targets.map((l) =>
    newAgentRow(
      l.id,
      {
        id: t.id,
        type: 'bot',
        name: t.name,
        avatar: t.avatar,
        job_title: t.job_title,
        max_chats_count: t.max_chats_count,
        default_group_priority: t.default_group_priority,
        owner_client_id: t.owner_client_id,
        secret_hash: t.secret_hash,
        created_via: 'template',
      },
      now,
    ),
  );
  await trx.insertInto('agents').values(rows).execute();
  for (const [i, row] of rows.entries()) {
    await recordEvent(trx, templateSource(t, targets[i]!), 'bot_created', botFullState(row, []));
  }
}

/** Template fields a template update may change (the same columns exist on its bots). */
export interface TemplateChanges {
  name?: string;
  avatar?: string;
  max_chats_count?: number;
  default_group_priority?: string;
  job_title?: string;
}

/** Apply the template's changed fields to its bots; bot_updated carries what changed for each bot. */
export async function updateTemplateBots(
  trx: Queryable,
  t: TemplateRow,
  licenses: InstalledLicense[],
  set: TemplateChanges,
): Promise<void> {
  const keys = Object.keys(set) as (keyof TemplateChanges)[];
  if (keys.length === 0) return;
  const bots = await templateBots(trx, t, licenses.map((l) => l.id));
  const byLicense = new Map(licenses.map((l) => [l.id, l]));
  const changedBots: { row: AgentRow; changed: Record<string, unknown> }[] = [];
  for (const row of bots) {
    const changed: Record<string, unknown> = {};
    for (const k of keys) if ((row[k] ?? '') !== (set[k] ?? '')) changed[k] = set[k] ?? '';
    if (Object.keys(changed).length > 0) changedBots.push({ row, changed });
  }
  if (changedBots.length === 0) return;
  await trx
    .updateTable('agents')
    .set({ ...set, updated_at: nowIso() })
    .where('id', '=', t.id)
    .where('type', '=', 'bot')
    .where('license_id', 'in', changedBots.map((b) => b.row.license_id))
    .execute();
  for (const { row, changed } of changedBots) {
    await recordEvent(trx, templateSource(t, byLicense.get(row.license_id)!), 'bot_updated', { id: row.id, ...changed });
  }
}

/** Delete the template's bots (memberships and credentials with them). */
export async function deleteTemplateBots(
  trx: Queryable,
  cascades: Pick<Cascades, 'agentDeleted'>,
  t: TemplateRow,
  licenses: InstalledLicense[],
): Promise<void> {
  const bots = await templateBots(trx, t, licenses.map((l) => l.id));
  const byLicense = new Map(licenses.map((l) => [l.id, l]));
  for (const row of bots) {
    // deleteAgentRow runs the agentDeleted cascade, which is per (licence, agent).
    await deleteAgentRow(trx, cascades, row.license_id, row);
    await recordEvent(trx, templateSource(t, byLicense.get(row.license_id)!), 'bot_deleted', { id: row.id });
  }
}

/** Give the template's bots the template's (new) secret. */
export async function resetTemplateBotSecrets(trx: Queryable, t: TemplateRow, licenses: InstalledLicense[]): Promise<void> {
  if (licenses.length === 0) return;
  await trx
    .updateTable('agents')
    .set({ secret_hash: t.secret_hash, updated_at: nowIso() })
    .where('id', '=', t.id)
    .where('type', '=', 'bot')
    .where('license_id', 'in', licenses.map((l) => l.id))
    .execute();
}

/** Installing an application creates a bot for each of its templates on that licence. */
export async function applicationInstalled(trx: Queryable, clientId: string, licenseId: number): Promise<void> {
  const templates = await trx.selectFrom('bot_templates').selectAll().where('owner_client_id', '=', clientId).orderBy('created_at').execute();
  if (templates.length === 0) return;
  const lic = await trx.selectFrom('licenses').select(['id', 'organization_id']).where('id', '=', licenseId).executeTakeFirstOrThrow();
  for (const t of templates) await createTemplateBots(trx, t, [lic]);
}
