/**
 * The bots area's bot actions: create, get, list, update, delete (+ batches), reset_bot_secret, and issue_bot_token
 * (signing in token.ts). Bots are agents of type `bot`: their rows are the agents area's (agents/bot-rows.ts).
 */
import { Type } from '@sinclair/typebox';
import { ApiError } from '../kernel/errors.js';
import { hashSecret, randomHexId, secretMatches } from '../kernel/crypto.js';
import { defineAction, type Caller } from '../kernel/registry.js';
import { requireScopes } from '../kernel/scopes.js';
import { EmptyResponse } from '../kernel/responses.js';
import { checkTokenOwnerClientId } from '../kernel/version-rules.js';
import type { Queryable } from '../store/store.js';
import { assertUsableClientId } from '../tenancy/applications.js';
import { findLicense, organizationLicenseIds } from '../tenancy/licenses.js';
import { assertGroupsExistIn, assertNoDuplicateGroups, membershipsByAgent, addAgentGroups, type Membership } from '../groups/repo.js';
import { recordEvent, sourceOf } from '../webhooks/outbox.js';
import { checkWorkScheduler } from '../agents/schemas.js';
import { getAgentOrThrow, insertAgent, updateAgentColumns, type AgentRow } from '../agents/repo.js';
import { botSecretsOnLicenses, listBotRows, type BotReach } from '../agents/bot-rows.js';
import { parseScheduler } from '../agents/view.js';
import { applyAgentUpdate, deleteAgentRow, plainColumnChanges, schedulerChange, type ColumnChanges } from '../agents/changes.js';
import {
  BotListItem, BotView, ById, CreateBot, DEFAULT_BOT_TYPE, GetBot, IdAndSecret, IssueBotToken, ListBots, ResetBotSecret, SecretOnly, UpdateBot,
  type CreateBotInput, type UpdateBotInput,
} from './schemas.js';
import { DEFAULT_BOT_PRIORITY, botFullState, botListView, botView } from './view.js';
import { checkTimezoneParam, isMyBot, newBotSecret, ownerClientOf, requestedScheduler, type CreatedVia } from './rules.js';
import { signBotToken } from './token.js';

const MY_RO = 'agents-bot--my:ro';
const MY_RW = 'agents-bot--my:rw';
const ALL_RO = 'agents-bot--all:ro';
const ALL_RW = 'agents-bot--all:rw';

async function groupsOf(db: Queryable, licenseId: number, botId: string): Promise<Membership[]> {
  return (await membershipsByAgent(db, licenseId, [botId])).get(botId) ?? [];
}

/** Load a bot of the caller's licence; acting on someone else's bot needs `otherScope`. */
async function botFor(db: Queryable, caller: Caller, id: string, otherScope: string): Promise<AgentRow> {
  const row = await getAgentOrThrow(db, caller.licenseId, id, 'bot');
  if (!isMyBot(caller, row)) requireScopes(caller.scopes, otherScope);
  return row;
}

export const createBot = defineAction({
  name: 'create_bot',
  area: 'bots',
  summary: 'Creates a new bot.',
  description: 'Creates a new bot; returns its id and secret (shown once).',
  schema: CreateBot,
  response: IdAndSecret,
  scopes: [MY_RW],
  batch: 'batch_create_bots',
  // `type`: v3.6 only (src/versions/v3.6.ts adds it to the request schema).
  async handler(ctx, input: CreateBotInput) {
    const { caller } = ctx;
    if (caller.agentType === 'bot') throw new ApiError('authorization', 'A bot cannot create bots');
    checkTokenOwnerClientId(ctx.rules, caller, input.owner_client_id);
    const owner = ownerClientOf(caller, input.owner_client_id);
    if (input.owner_client_id !== undefined) await assertUsableClientId(ctx.db, caller, owner, { ownToken: true }); // the token's own: as if left out
    const groups = input.groups ?? [];
    assertNoDuplicateGroups(groups);
    checkTimezoneParam(input);
    const requested = requestedScheduler(input, () => ({}));
    const ws = requested ? checkWorkScheduler(requested) : null;
    const secret = newBotSecret();
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
        bot_type: input.type ?? DEFAULT_BOT_TYPE,
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

function botColumnChanges(row: AgentRow, input: UpdateBotInput): ColumnChanges {
  const out: ColumnChanges = { set: {}, changed: {} };
  const keys = ['name', 'avatar', 'max_chats_count', 'default_group_priority', 'job_title'] as const;
  plainColumnChanges(row, input, keys, (k) => (k === 'default_group_priority' ? DEFAULT_BOT_PRIORITY : ''), out);
  const ws = schedulerChange(row, requestedScheduler(input, () => parseScheduler(row.work_scheduler)), out);
  const tz = ws?.timezone ?? null;
  if (ws && tz !== row.timezone) {
    out.set.timezone = tz;
    out.changed.timezone = tz ?? '';
  }
  // v3.6's `type` is stored, but shown in no answer nor webhook (the reference shows it nowhere: docs/decisions.md).
  if (input.type !== undefined && input.type !== row.bot_type) out.quiet = { bot_type: input.type };
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
  // `type`: v3.6 only (src/versions/v3.6.ts adds it to the request schema).
  async handler(ctx, input: UpdateBotInput) {
    const { caller } = ctx;
    if (input.groups) assertNoDuplicateGroups(input.groups);
    checkTimezoneParam(input);
    await ctx.tx(async (tx) => {
      const row = await botFor(tx.db, caller, input.id, ALL_RW);
      await applyAgentUpdate(tx, caller, row, botColumnChanges(row, input), input.groups, 'bot_updated');
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
    const secret = newBotSecret();
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
