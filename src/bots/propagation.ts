/**
 * Bots based on templates: created on installation, and (with `affect_existing_installations`) created, updated,
 * deleted or given a new secret on every licence where the template's application is installed.
 * Each call runs inside the caller's transaction; rows are read and written with one query per table.
 * Events are recorded per affected licence with the template's owner client id as their source.
 */
import { nowIso } from '../store/store.js';
import type { Cascades } from '../kernel/area.js';
import { deleteAgentRow } from '../agents/changes.js';
import { insertAgentRows, newAgentRow, type AgentRow } from '../agents/repo.js';
import { botsOnLicenses, updateBotsOnLicenses } from '../agents/bot-rows.js';
import { findLicense, type LicenseRef } from '../tenancy/licenses.js';
import { recordEvent, type EventSource } from '../webhooks/outbox.js';
import { listTemplates, type TemplateChanges, type TemplateRow } from './templates-repo.js';
import { botFullState } from './view.js';
import type { Tx } from '../store/transaction.js';

const templateSource = (t: TemplateRow, lic: LicenseRef): EventSource => ({
  licenseId: lic.id,
  organizationId: lic.organization_id,
  clientId: t.owner_client_id,
});

/** Create the template's bot on every licence that does not have it yet. */
export async function createTemplateBots(tx: Tx, t: TemplateRow, licenses: LicenseRef[]): Promise<void> {
  const existing = new Set((await botsOnLicenses(tx.db, t.id, licenses.map((l) => l.id))).map((r) => r.license_id));
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
  await insertAgentRows(tx.db, rows);
  for (const [i, row] of rows.entries()) {
    await recordEvent(tx, templateSource(t, targets[i]!), 'bot_created', botFullState(row, []));
  }
}

/** Apply the template's changed fields to its bots; bot_updated carries what changed for each bot. */
export async function updateTemplateBots(
  tx: Tx,
  t: TemplateRow,
  licenses: LicenseRef[],
  set: TemplateChanges,
): Promise<void> {
  const keys = Object.keys(set) as (keyof TemplateChanges)[];
  if (keys.length === 0) return;
  const bots = await botsOnLicenses(tx.db, t.id, licenses.map((l) => l.id));
  const byLicense = new Map(licenses.map((l) => [l.id, l]));
  const changedBots: { row: AgentRow; changed: Record<string, unknown> }[] = [];
  for (const row of bots) {
    const changed: Record<string, unknown> = {};
    for (const k of keys) if ((row[k] ?? '') !== (set[k] ?? '')) changed[k] = set[k] ?? '';
    if (Object.keys(changed).length > 0) changedBots.push({ row, changed });
  }
  if (changedBots.length === 0) return;
  await updateBotsOnLicenses(tx.db, t.id, changedBots.map((b) => b.row.license_id), set);
  for (const { row, changed } of changedBots) {
    await recordEvent(tx, templateSource(t, byLicense.get(row.license_id)!), 'bot_updated', { id: row.id, ...changed });
  }
}

/** Delete the template's bots (memberships and credentials with them). */
export async function deleteTemplateBots(
  tx: Tx,
  cascades: Pick<Cascades, 'agentDeleted'>,
  t: TemplateRow,
  licenses: LicenseRef[],
): Promise<void> {
  const bots = await botsOnLicenses(tx.db, t.id, licenses.map((l) => l.id));
  const byLicense = new Map(licenses.map((l) => [l.id, l]));
  for (const row of bots) {
    // deleteAgentRow runs the agentDeleted cascade, which is per (licence, agent).
    await deleteAgentRow(tx, cascades, row.license_id, row);
    await recordEvent(tx, templateSource(t, byLicense.get(row.license_id)!), 'bot_deleted', { id: row.id });
  }
}

/** Give the template's bots the template's (new) secret. */
export async function resetTemplateBotSecrets(tx: Tx, t: TemplateRow, licenses: LicenseRef[]): Promise<void> {
  await updateBotsOnLicenses(tx.db, t.id, licenses.map((l) => l.id), { secret_hash: t.secret_hash });
}

/** Installing an application creates a bot for each of its templates on that licence. */
export async function applicationInstalled(tx: Tx, clientId: string, licenseId: number): Promise<void> {
  const templates = await listTemplates(tx.db, clientId);
  if (templates.length === 0) return;
  const lic = await findLicense(tx.db, licenseId);
  if (!lic) throw new Error(`Licence ${licenseId} not found`);
  for (const t of templates) await createTemplateBots(tx, t, [{ id: lic.id, organization_id: lic.organization_id }]);
}
