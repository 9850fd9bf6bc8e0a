/**
 * The bots area's template actions: bot templates of an application (create, update, delete, list, reset secret),
 * and with `affect_existing_installations` the same change to their bots on every licence where the application is
 * installed (propagation.ts).
 */
import { Type } from '@sinclair/typebox';
import { ApiError } from '../kernel/errors.js';
import { hashSecret, randomHexId } from '../kernel/crypto.js';
import { defineAction, type ActionContext } from '../kernel/registry.js';
import { EmptyResponse } from '../kernel/responses.js';
import { nowIso } from '../store/store.js';
import type { Tx } from '../store/transaction.js';
import { assertUsableClientId, installedLicenseIds, lockApplication } from '../tenancy/applications.js';
import { lockLicenses } from '../tenancy/licenses.js';
import { DEFAULT_MAX_CHATS } from '../agents/repo.js';
import { BotTemplateView, CreateTemplate, IdAndSecret, ListTemplates, SecretOnly, TemplateById, UpdateTemplate } from './schemas.js';
import { DEFAULT_BOT_PRIORITY } from './view.js';
import { newBotSecret, ownerClientOf } from './rules.js';
import {
  MAX_TEMPLATES_PER_CLIENT,
  countTemplatesOf,
  deleteTemplate,
  findTemplate,
  insertTemplate,
  listTemplates,
  updateTemplate,
  type TemplateChanges,
  type TemplateRow,
} from './templates-repo.js';
import { createTemplateBots, deleteTemplateBots, resetTemplateBotSecrets, updateTemplateBots } from './propagation.js';

const TEMPLATES = 'bots.templates:rw';

/** The template owner for this call: must be an application of the caller's organization. */
async function templateOwner(ctx: ActionContext, ownerClientId: string | undefined): Promise<string> {
  const owner = ownerClientOf(ctx.caller, ownerClientId);
  await assertUsableClientId(ctx.db, ctx.caller, owner);
  return owner;
}

/** Load the template and, with `affect_existing_installations`, the licences where its application is installed. */
async function templateScope(
  ctx: ActionContext,
  tx: Tx,
  owner: string,
  id: string,
  affect: boolean | undefined,
) {
  const template = await findTemplate(tx.db, ctx.caller.organizationId, owner, id);
  const licenses = affect ? await lockLicenses(tx, installedLicenseIds(tx.db, owner)) : [];
  return { template, licenses };
}

export const createBotTemplate = defineAction({
  name: 'create_bot_template',
  area: 'bots',
  summary: 'Creates a new bot template for the Client ID (application) provided in the request.',
  description: 'Creates a bot template for an application; returns its id and secret (shown once).',
  schema: CreateTemplate,
  response: IdAndSecret,
  scopes: [TEMPLATES],
  async handler(ctx, input) {
    const { caller } = ctx;
    const owner = await templateOwner(ctx, input.owner_client_id);
    const secret = newBotSecret();
    return ctx.tx(async (tx) => {
      // Serialise template creation per application (the limit is per client id, across licences).
      await lockApplication(tx, owner);
      if ((await countTemplatesOf(tx.db, owner)) >= MAX_TEMPLATES_PER_CLIENT) {
        throw new ApiError('limit_reached', `An application can have at most ${MAX_TEMPLATES_PER_CLIENT} bot templates`);
      }
      const now = nowIso();
      const template: TemplateRow = {
        id: randomHexId(16),
        organization_id: caller.organizationId,
        owner_client_id: owner,
        name: input.name,
        avatar: input.avatar ?? null,
        max_chats_count: input.max_chats_count ?? DEFAULT_MAX_CHATS,
        default_group_priority: input.default_group_priority ?? DEFAULT_BOT_PRIORITY,
        job_title: input.job_title ?? null,
        secret_hash: hashSecret(secret),
        created_at: now,
        updated_at: now,
      };
      await insertTemplate(tx.db, template);
      if (input.affect_existing_installations) {
        await createTemplateBots(tx, template, await lockLicenses(tx, installedLicenseIds(tx.db, owner)));
      }
      return { id: template.id, secret };
    });
  },
});

export const updateBotTemplate = defineAction({
  name: 'update_bot_template',
  area: 'bots',
  summary: 'Updates an existing bot template.',
  description: 'Updates a bot template (and, with affect_existing_installations, the bots based on it).',
  schema: UpdateTemplate,
  response: EmptyResponse,
  scopes: [TEMPLATES],
  async handler(ctx, input) {
    const owner = await templateOwner(ctx, input.owner_client_id);
    await ctx.tx(async (tx) => {
      const { template, licenses } = await templateScope(ctx, tx, owner, input.id, input.affect_existing_installations);
      const set: TemplateChanges = {};
      for (const k of ['name', 'avatar', 'max_chats_count', 'default_group_priority', 'job_title'] as const) {
        if (input[k] !== undefined) (set as Record<string, unknown>)[k] = input[k];
      }
      if (Object.keys(set).length > 0) {
        await updateTemplate(tx.db, template.id, set);
      }
      await updateTemplateBots(tx, template, licenses, set);
    });
    return {};
  },
});

export const deleteBotTemplate = defineAction({
  name: 'delete_bot_template',
  area: 'bots',
  summary: 'Deletes a bot template specified by `id`.',
  description: 'Deletes a bot template (and, with affect_existing_installations, the bots based on it).',
  schema: TemplateById,
  response: EmptyResponse,
  scopes: [TEMPLATES],
  async handler(ctx, input) {
    const owner = await templateOwner(ctx, input.owner_client_id);
    await ctx.tx(async (tx) => {
      const { template, licenses } = await templateScope(ctx, tx, owner, input.id, input.affect_existing_installations);
      await deleteTemplate(tx.db, template.id);
      await deleteTemplateBots(tx, ctx.cascades, template, licenses);
    });
    return {};
  },
});

export const listBotTemplates = defineAction({
  name: 'list_bot_templates',
  area: 'bots',
  summary: 'Returns the list of bot templates created for a Client ID (application).',
  description: 'Returns the bot templates of an application.',
  schema: ListTemplates,
  response: Type.Array(BotTemplateView),
  scopes: [TEMPLATES],
  async handler(ctx, input) {
    const owner = await templateOwner(ctx, input.owner_client_id);
    const rows = await listTemplates(ctx.db, owner, ctx.caller.organizationId);
    return rows.map((t) => ({
      id: t.id,
      name: t.name,
      avatar: t.avatar ?? '',
      max_chats_count: t.max_chats_count,
      default_group_priority: t.default_group_priority,
      job_title: t.job_title ?? '',
      owner_client_id: t.owner_client_id,
    }));
  },
});

export const resetBotTemplateSecret = defineAction({
  name: 'reset_bot_template_secret',
  area: 'bots',
  summary: 'Resets secret for given bot template.',
  description: 'Gives a bot template a new secret (and, with affect_existing_installations, the bots based on it).',
  schema: TemplateById,
  response: SecretOnly,
  scopes: [TEMPLATES],
  async handler(ctx, input) {
    const owner = await templateOwner(ctx, input.owner_client_id);
    const secret = newBotSecret();
    await ctx.tx(async (tx) => {
      const { template, licenses } = await templateScope(ctx, tx, owner, input.id, input.affect_existing_installations);
      const updated = { ...template, secret_hash: hashSecret(secret), updated_at: nowIso() };
      await updateTemplate(tx.db, template.id, { secret_hash: updated.secret_hash, updated_at: updated.updated_at });
      await resetTemplateBotSecrets(tx, updated, licenses);
    });
    return { secret };
  },
});
