/**
 * Bots: create/get/list/update/delete (+ batches), reset_bot_secret, issue_bot_token, and organization-level bot
 * templates (create/update/delete/list, reset_bot_template_secret).
 */
import { Type, type Static, type TSchema, type TOptional } from '@sinclair/typebox';
import { ApiError } from '../kernel/errors.js';
import { defineAction, type ActionContext, type Caller } from '../kernel/registry.js';
import type { Area } from '../kernel/area.js';
import { requireScopes } from '../kernel/scopes.js';
import { nowIso, type Queryable } from '../store/store.js';
import { hashSecret, randomHexId, secretMatches } from '../kernel/crypto.js';
import { assertUsableClientId, installedLicenseIds, lockApplication } from '../tenancy/applications.js';
import { findLicense, lockLicenses, organizationLicenseIds } from '../tenancy/licenses.js';
import {
  assertGroupsExistIn,
  assertNoDuplicateGroups,
  membershipsByAgent,
  addAgentGroups,
  type Membership,
} from '../groups/repo.js';
import { recordEvent, sourceOf } from '../webhooks/outbox.js';
import { GroupsSchema, PrioritySchema, WorkSchedulerSchema, checkWorkScheduler, isTimeZone, type WorkScheduler } from '../agents/schemas.js';
import { literalUnion, identifier } from '../kernel/schema.js';
import { EmptyResponse } from '../kernel/responses.js';
import {
  DEFAULT_MAX_CHATS,
  botSecretsOnLicenses,
  getAgentOrThrow,
  insertAgent,
  listBotRows,
  parseScheduler,
  plainColumnChanges,
  schedulerChange,
  updateAgentColumns,
  type AgentRow,
  type BotReach,
  type ColumnChanges,
} from '../agents/repo.js';
import { applyAgentUpdate, deleteAgentRow } from '../agents/actions.js';
import {
  BOT_FIELDS,
  BOT_MAX_CHATS_LIMIT,
  DEFAULT_BOT_PRIORITY,
  MAX_TEMPLATES_PER_CLIENT,
  botFullState,
  botListView,
  botView,
  countTemplatesOf,
  deleteTemplate,
  findTemplate,
  insertTemplate,
  isMyBot,
  listTemplates,
  ownerClientOf,
  updateTemplate,
  type CreatedVia,
  type TemplateChanges,
  type TemplateRow,
} from './repo.js';
import {
  applicationInstalled,
  createTemplateBots,
  deleteTemplateBots,
  resetTemplateBotSecrets,
  updateTemplateBots,
} from './propagation.js';
import { resolveBotToken, signBotToken } from './token.js';
import type { Tx } from '../store/transaction.js';

const opt = <T extends Record<string, TSchema>>(props: T) =>
  Object.fromEntries(Object.entries(props).map(([k, v]) => [k, Type.Optional(v)])) as { [K in keyof T]: TOptional<T[K]> };

const Id = identifier({ minLength: 1 });
const Name = Type.String({ minLength: 1, maxLength: 180 });
const ClientId = identifier({ minLength: 1 });
const FieldsSchema = Type.Array(literalUnion(BOT_FIELDS));

/** Parameters shared by bots and templates. */
const profileProps = {
  avatar: Type.String({ maxLength: 2048 }),
  max_chats_count: Type.Integer({ minimum: 0, maximum: BOT_MAX_CHATS_LIMIT }),
  default_group_priority: PrioritySchema,
  job_title: Type.String({ maxLength: 180 }),
};
/** `timezone`: the official SDKs send the work scheduler's time zone at the top level too (get_bot returns it). */
const botProps = { ...profileProps, groups: GroupsSchema, work_scheduler: WorkSchedulerSchema, timezone: Type.String({ maxLength: 64 }) };

const CreateBot = Type.Object({ name: Name, ...opt({ ...botProps, owner_client_id: ClientId }) }, { additionalProperties: false });
const UpdateBot = Type.Object({ id: Id, ...opt({ name: Name, ...botProps }) }, { additionalProperties: false });
const ById = Type.Object({ id: Id }, { additionalProperties: false });
const GetBot = Type.Object({ id: Id, fields: Type.Optional(FieldsSchema) }, { additionalProperties: false });
const ListBots = Type.Object({ all: Type.Optional(Type.Boolean()), fields: Type.Optional(FieldsSchema) }, { additionalProperties: false });
const ResetBotSecret = Type.Object({ id: Id, owner_client_id: Type.Optional(ClientId) }, { additionalProperties: false });
const IssueBotToken = Type.Object(
  { bot_id: Id, client_id: ClientId, bot_secret: Type.String({ minLength: 1 }), organization_id: Type.String({ minLength: 1 }) },
  { additionalProperties: false },
);

const templateTarget = { owner_client_id: ClientId, affect_existing_installations: Type.Boolean() };
const CreateTemplate = Type.Object({ name: Name, ...opt({ ...profileProps, ...templateTarget }) }, { additionalProperties: false });
const UpdateTemplate = Type.Object({ id: Id, ...opt({ name: Name, ...profileProps, ...templateTarget }) }, { additionalProperties: false });
const TemplateById = Type.Object({ id: Id, ...opt(templateTarget) }, { additionalProperties: false });
const ListTemplates = Type.Object(opt({ owner_client_id: ClientId }), { additionalProperties: false });

const IdAndSecret = Type.Object({ id: Type.String(), secret: Type.String() }, { additionalProperties: false });
const SecretOnly = Type.Object({ secret: Type.String() }, { additionalProperties: false });
/** `fields[]` extras of get_bot and list_bots. */
const botExtras = opt({
  groups: GroupsSchema,
  work_scheduler: WorkSchedulerSchema,
  job_title: Type.String(),
  max_chats_count: Type.Integer(),
  timezone: Type.String(),
});
/** get_bot (examples/bots/getBot.json): base fields plus the `fields[]` extras. */
const BotView = Type.Object(
  {
    id: Type.String(),
    name: Type.String(),
    avatar: Type.String(),
    default_group_priority: PrioritySchema,
    owner_client_id: Type.String(),
    ...botExtras,
  },
  { additionalProperties: false, title: 'Bot' },
);
/** list_bots (examples/bots/listBots.json): id, name, avatar plus the `fields[]` extras. */
const BotListItem = Type.Object(
  { id: Type.String(), name: Type.String(), avatar: Type.String(), ...botExtras },
  { additionalProperties: false, title: 'BotListItem' },
);
const BotTemplateView = Type.Object(
  {
    id: Type.String(),
    name: Type.String(),
    avatar: Type.String(),
    max_chats_count: Type.Integer(),
    default_group_priority: PrioritySchema,
    job_title: Type.String(),
    owner_client_id: Type.String(),
  },
  { additionalProperties: false, title: 'BotTemplate' },
);

const MY_RO = 'agents-bot--my:ro';
const MY_RW = 'agents-bot--my:rw';
const ALL_RO = 'agents-bot--all:ro';
const ALL_RW = 'agents-bot--all:rw';
const TEMPLATES = 'bots.templates:rw';

const newSecret = (): string => randomHexId(16);

async function groupsOf(db: Queryable, licenseId: number, botId: string): Promise<Membership[]> {
  return (await membershipsByAgent(db, licenseId, [botId])).get(botId) ?? [];
}

/** Load a bot of the caller's licence; acting on someone else's bot needs `otherScope`. */
async function botFor(db: Queryable, caller: Caller, id: string, otherScope: string): Promise<AgentRow> {
  const row = await getAgentOrThrow(db, caller.licenseId, id, 'bot');
  if (!isMyBot(caller, row)) requireScopes(caller.scopes, otherScope);
  return row;
}

/**
 * Top-level `timezone` is the work scheduler's time zone: it must be an IANA zone ("" clears it) and may not differ
 * from `work_scheduler.timezone` when both are given (`validation`).
 */
function checkTimezoneParam(input: { timezone?: string; work_scheduler?: WorkScheduler }): void {
  const tz = input.timezone;
  if (tz === undefined) return;
  if (tz !== '' && !isTimeZone(tz)) throw new ApiError('validation', '`timezone` should be a valid IANA time zone');
  const wsTz = input.work_scheduler?.timezone;
  if (wsTz !== undefined && wsTz !== tz) {
    throw new ApiError('validation', '`timezone` and `work_scheduler.timezone` should not differ');
  }
}

/** The work scheduler a request sets: `work_scheduler` with `timezone` folded in, or `base` with the new zone. */
function requestedScheduler(
  input: { timezone?: string; work_scheduler?: WorkScheduler },
  base: () => WorkScheduler,
): WorkScheduler | undefined {
  if (input.timezone === undefined) return input.work_scheduler;
  return { ...(input.work_scheduler ?? base()), timezone: input.timezone };
}

// --- Bots ------------------------------------------------------------------------------------------------------

export const createBot = defineAction({
  name: 'create_bot',
  area: 'bots',
  summary: 'Creates a new bot.',
  description: 'Creates a new bot; returns its id and secret (shown once).',
  schema: CreateBot,
  response: IdAndSecret,
  scopes: [MY_RW],
  batch: 'batch_create_bots',
  async handler(ctx, input) {
    const { caller } = ctx;
    if (caller.agentType === 'bot') throw new ApiError('authorization', 'A bot cannot create bots');
    const owner = ownerClientOf(caller, input.owner_client_id);
    if (input.owner_client_id !== undefined) await assertUsableClientId(ctx.db, caller, owner, { ownToken: true }); // the token's own: as if left out
    const groups = input.groups ?? [];
    assertNoDuplicateGroups(groups);
    checkTimezoneParam(input);
    const requested = requestedScheduler(input, () => ({}));
    const ws = requested ? checkWorkScheduler(requested) : null;
    const secret = newSecret();
    const createdVia: CreatedVia = caller.kind === 'pat' ? 'pat' : 'app';
    return ctx.tx(async (tx) => {
      await assertGroupsExistIn(tx, caller.licenseId, groups.map((g) => g.id));
      const row = await insertAgent(tx, caller.licenseId, {
        id: randomHexId(16),
        type: 'bot',
        name: input.name,
        avatar: input.avatar,
        job_title: input.job_title,
        max_chats_count: input.max_chats_count,
        work_scheduler: ws,
        timezone: ws?.timezone ?? null,
        default_group_priority: input.default_group_priority ?? DEFAULT_BOT_PRIORITY,
        owner_client_id: owner,
        secret_hash: hashSecret(secret),
        created_via: createdVia,
      });
      await addAgentGroups(tx.db, caller.licenseId, row.id, groups);
      await recordEvent(tx, sourceOf(caller), 'bot_created', botFullState(row, groups));
      return { id: row.id, secret };
    });
  },
});

export const getBot = defineAction({
  name: 'get_bot',
  area: 'bots',
  summary: 'It returns the info about a bot with a given `id`.',
  description: 'Returns a bot specified by id.',
  schema: GetBot,
  response: BotView,
  scopes: [MY_RO, ALL_RO],
  async handler(ctx, input) {
    const { caller } = ctx;
    const row = await botFor(ctx.db, caller, input.id, ALL_RO);
    const fields = new Set<string>(input.fields ?? []);
    const groups = fields.has('groups') ? await groupsOf(ctx.db, caller.licenseId, row.id) : undefined;
    return botView(row, groups, fields);
  },
});

export const listBots = defineAction({
  name: 'list_bots',
  area: 'bots',
  summary: 'Returns the list of Bots created within a license.',
  description: "Returns the caller's bots (all: false) or every bot of the licence (all: true).",
  schema: ListBots,
  response: Type.Array(BotListItem),
  scopes: [MY_RO, ALL_RO],
  async handler(ctx, input) {
    const { caller } = ctx;
    if (input.all) requireScopes(caller.scopes, ALL_RO);
    // "My" bots as isMyBot tells them, as a query.
    let reach: BotReach;
    if (input.all) reach = { all: true };
    else if (caller.agentType === 'bot') reach = { botId: caller.agentId };
    else if (caller.kind === 'pat') reach = { createdVia: 'pat' };
    else if (caller.clientId) reach = { ownerClientId: caller.clientId };
    else return [];
    const rows = await listBotRows(ctx.db, caller.licenseId, reach);
    const fields = new Set<string>(input.fields ?? []);
    const memberships =
      fields.has('groups') && rows.length > 0
        ? await membershipsByAgent(ctx.db, caller.licenseId, input.all ? undefined : rows.map((r) => r.id))
        : undefined;
    return rows.map((r) => botListView(r, memberships?.get(r.id), fields));
  },
});

type UpdateInput = Static<typeof UpdateBot>;

function botColumnChanges(row: AgentRow, input: UpdateInput): ColumnChanges {
  const out: ColumnChanges = { set: {}, changed: {} };
  const keys = ['name', 'avatar', 'max_chats_count', 'default_group_priority', 'job_title'] as const;
  plainColumnChanges(row, input, keys, (k) => (k === 'default_group_priority' ? DEFAULT_BOT_PRIORITY : ''), out);
  const ws = schedulerChange(row, requestedScheduler(input, () => parseScheduler(row.work_scheduler)), out);
  const tz = ws?.timezone ?? null;
  if (ws && tz !== row.timezone) {
    out.set.timezone = tz;
    out.changed.timezone = tz ?? '';
  }
  return out;
}

export const updateBot = defineAction({
  name: 'update_bot',
  area: 'bots',
  summary: 'Updates an existing Bot.',
  description: 'Updates a bot specified by id.',
  schema: UpdateBot,
  response: EmptyResponse,
  scopes: [MY_RW, ALL_RW],
  batch: 'batch_update_bots',
  async handler(ctx, input) {
    const { caller } = ctx;
    if (input.groups) assertNoDuplicateGroups(input.groups);
    checkTimezoneParam(input);
    await ctx.tx(async (tx) => {
      const row = await botFor(tx.db, caller, input.id, ALL_RW);
      const { set, changed } = botColumnChanges(row, input);
      await applyAgentUpdate(tx, caller, row, set, changed, input.groups, 'bot_updated');
    });
    return {};
  },
});

export const deleteBot = defineAction({
  name: 'delete_bot',
  area: 'bots',
  summary: 'Deletes a bot specified by `id`.',
  description: 'Deletes a bot specified by id.',
  schema: ById,
  response: EmptyResponse,
  scopes: [MY_RW, ALL_RW],
  batch: 'batch_delete_bots',
  async handler(ctx, input) {
    const { caller } = ctx;
    await ctx.tx(async (tx) => {
      const row = await botFor(tx.db, caller, input.id, ALL_RW);
      await deleteAgentRow(tx, ctx.cascades, caller.licenseId, row);
      await recordEvent(tx, sourceOf(caller), 'bot_deleted', { id: row.id });
    });
    return {};
  },
});

export const resetBotSecret = defineAction({
  name: 'reset_bot_secret',
  area: 'bots',
  summary: 'Resets secret for a given bot.',
  description: "Gives a bot a new secret (shown once); the old one stops working.",
  schema: ResetBotSecret,
  response: SecretOnly,
  scopes: [MY_RW],
  async handler(ctx, input) {
    const { caller } = ctx;
    const owner = ownerClientOf(caller, input.owner_client_id);
    if (input.owner_client_id !== undefined) await assertUsableClientId(ctx.db, caller, owner, { ownToken: true }); // the token's own: as if left out
    const secret = newSecret();
    await ctx.tx(async (tx) => {
      const row = await getAgentOrThrow(tx.db, caller.licenseId, input.id, 'bot');
      const ownBot = caller.agentType === 'bot' ? row.id === caller.agentId : row.owner_client_id === owner;
      if (!ownBot) throw new ApiError('authorization', `Bot ${row.id} is not owned by ${owner}`);
      await updateAgentColumns(tx.db, caller.licenseId, row.id, { secret_hash: hashSecret(secret) });
    });
    return { secret };
  },
});

export const issueBotToken = defineAction({
  name: 'issue_bot_token',
  area: 'bots',
  summary: 'Issues a new token for the bot.',
  description: 'Issues a 24-hour bot token (JWT) for the bot identified by its id, client id, secret and organization.',
  schema: IssueBotToken,
  response: Type.Object({ token: Type.String() }, { additionalProperties: false }),
  scopes: [],
  auth: 'none',
  async handler(ctx, input) {
    const rows = await botSecretsOnLicenses(ctx.db, input.bot_id, input.client_id, organizationLicenseIds(ctx.db, input.organization_id));
    const match = rows.find((r) => secretMatches(input.bot_secret, r.secret_hash));
    const license = match && (await findLicense(ctx.db, match.license_id));
    if (!match || !license) throw new ApiError('authentication', 'Invalid bot credentials');
    const token = await signBotToken(ctx.signingKeys, {
      botId: input.bot_id,
      licenseId: match.license_id,
      organizationId: input.organization_id,
      clientId: input.client_id,
      region: license.region,
    });
    return { token };
  },
});

// --- Bot templates ---------------------------------------------------------------------------------------------

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
    const secret = newSecret();
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
    const secret = newSecret();
    await ctx.tx(async (tx) => {
      const { template, licenses } = await templateScope(ctx, tx, owner, input.id, input.affect_existing_installations);
      const updated = { ...template, secret_hash: hashSecret(secret), updated_at: nowIso() };
      await updateTemplate(tx.db, template.id, { secret_hash: updated.secret_hash, updated_at: updated.updated_at });
      await resetTemplateBotSecrets(tx, updated, licenses);
    });
    return { secret };
  },
});

export const botsArea: Area = {
  name: 'bots',
  actions: [
    createBotTemplate, createBot, deleteBotTemplate, deleteBot, updateBotTemplate, updateBot, listBotTemplates, getBot,
    listBots, issueBotToken, resetBotTemplateSecret, resetBotSecret,
  ],
  applicationInstalled,
  bearerResolver: resolveBotToken,
};
