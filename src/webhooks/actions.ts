/**
 * Webhooks registry: register, list, unregister, list names, and the licence webhook state (enable, disable, get).
 * Registrations belong to a client id (application) of the caller's organization; the state is per licence and
 * client id. Delivery of configuration events lives in outbox.ts (fan-out) and worker.ts (sending).
 */
import { Type } from '@sinclair/typebox';
import { ApiError } from '../kernel/errors.js';
import { defineAction, type ActionContext, type Caller } from '../kernel/registry.js';
import { hasScope } from '../kernel/scopes.js';
import { literalUnion, identifier } from '../kernel/schema.js';
import { EmptyResponse } from '../kernel/responses.js';
import { checkTokenOwnerClientId } from '../kernel/version-rules.js';
import { nowIso, type Queryable } from '../store/store.js';
import { randomHexId } from '../kernel/crypto.js';
import { applicationChanged, assertUsableClientId, lockApplication } from '../tenancy/applications.js';
import {
  ADDITIONAL_DATA,
  SOURCE_TYPES,
  WEBHOOK_ACTIONS,
  additionalDataOf,
  filtersOf,
  type FilterName,
} from './catalog.js';
import type { WebhooksTable } from './tables.js';

/** "One Client ID can register up to three webhooks for every action." */
export const MAX_WEBHOOKS_PER_ACTION = 3;

const ClientId = identifier({ minLength: 1, maxLength: 128 });
const UserIds = Type.Array(identifier({ minLength: 1, maxLength: 254 }), { minItems: 1, maxItems: 100, uniqueItems: true });

const Filters = Type.Object(
  {
    author_type: Type.Optional(literalUnion(['customer', 'agent'] as const)),
    only_my_chats: Type.Optional(Type.Boolean()),
    chat_presence: Type.Optional(
      Type.Object(
        {
          user_ids: Type.Optional(
            Type.Object({ values: Type.Optional(UserIds), exclude_values: Type.Optional(UserIds) }, { additionalProperties: false }),
          ),
          my_bots: Type.Optional(Type.Boolean()),
        },
        { additionalProperties: false },
      ),
    ),
    source_type: Type.Optional(Type.Array(literalUnion(SOURCE_TYPES), { minItems: 1, uniqueItems: true })),
    agent_ids: Type.Optional(UserIds),
  },
  { additionalProperties: false },
);

/** register_webhook's `action`: one of a version's triggering actions (src/versions/ gives each version its own). */
export const webhookActionSchema = (actions: readonly string[]) =>
  literalUnion(actions, { errorMessage: 'should be one of the triggering actions listed by list_webhook_names' });

const RegisterWebhook = Type.Object(
  {
    action: webhookActionSchema(WEBHOOK_ACTIONS),
    secret_key: Type.String({ minLength: 1, maxLength: 512 }),
    url: identifier({ minLength: 1, maxLength: 2048 }),
    additional_data: Type.Optional(Type.Array(literalUnion(ADDITIONAL_DATA), { uniqueItems: true })),
    description: Type.Optional(Type.String({ maxLength: 1024 })),
    filters: Type.Optional(Filters),
    owner_client_id: ClientId,
    type: literalUnion(['bot', 'license'] as const),
  },
  { additionalProperties: false },
);
const ListWebhooks = Type.Object({ owner_client_id: ClientId }, { additionalProperties: false });
const UnregisterWebhook = Type.Object(
  { id: identifier({ minLength: 1, maxLength: 128 }), owner_client_id: ClientId },
  { additionalProperties: false },
);
const ListWebhookNames = Type.Object({ version: Type.Optional(Type.String({ maxLength: 16 })) }, { additionalProperties: false });
const StateRequest = Type.Object({ owner_client_id: Type.Optional(ClientId) }, { additionalProperties: false });

/** One webhook of list_webhooks (examples/webhooks/listWebhooks.json). */
const WebhookView = Type.Object(
  {
    id: Type.String(),
    url: Type.String(),
    description: Type.Optional(Type.String()),
    action: Type.String(),
    filters: Type.Optional(Filters),
    additional_data: Type.Optional(Type.Array(literalUnion(ADDITIONAL_DATA))),
    owner_client_id: Type.String(),
    type: literalUnion(['bot', 'license'] as const),
  },
  { additionalProperties: false, title: 'Webhook' },
);
/** One entry of list_webhook_names (examples/webhooks/listWebhookNames.json). */
const WebhookNameView = Type.Object(
  { action: Type.String(), filters: Type.Optional(Type.Array(Type.String())), additional_data: Type.Optional(Type.Array(Type.String())) },
  { additionalProperties: false, title: 'WebhookName' },
);

type RegisterInput = typeof RegisterWebhook.static;

function checkUrl(raw: string): void {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ApiError('validation', '`url` should be an absolute http or https URL');
  }
  if ((url.protocol !== 'http:' && url.protocol !== 'https:') || !url.hostname) {
    throw new ApiError('validation', '`url` should be an absolute http or https URL');
  }
}

function checkFilters(input: RegisterInput): void {
  const allowed = filtersOf(input.action);
  for (const key of Object.keys(input.filters ?? {}) as FilterName[]) {
    if (!allowed.includes(key)) {
      throw new ApiError('validation', `\`filters.${key}\` is not available for the \`${input.action}\` action`);
    }
  }
  const userIds = input.filters?.chat_presence?.user_ids;
  if (userIds && (userIds.values === undefined) === (userIds.exclude_values === undefined)) {
    throw new ApiError(
      'validation',
      '`filters.chat_presence.user_ids` takes exactly one of `values` or `exclude_values`',
    );
  }
  if (input.additional_data?.length && additionalDataOf(input.action).length === 0) {
    throw new ApiError('validation', `\`additional_data\` is not available for the \`${input.action}\` action`);
  }
}

/**
 * The client id whose webhooks the caller manages must be an application of the caller's organization ("must be
 * owned by your organization"); otherwise `authorization`, as in every area. A token issued to an application
 * installed on another organization's licence does not make that application's webhooks the caller's: they belong
 * to the application's developer. The licence-webhooks state methods (`ownToken`) also accept the token's own client
 * id: they work on "the license associated with the access token", with no organization clause.
 */
async function assertOwnClient(db: Queryable, caller: Caller, clientId: string, opts: { ownToken?: boolean } = {}): Promise<void> {
  await assertUsableClientId(db, caller, clientId, opts);
}

/** `--my` scopes reach the webhooks of the caller's own client id; `--all` and `webhooks.configuration:rw` any. */
function requireReach(caller: Caller, clientId: string, access: 'ro' | 'rw'): void {
  if (hasScope(caller.scopes, 'webhooks.configuration:rw') || hasScope(caller.scopes, `webhooks--all:${access}`)) return;
  if (hasScope(caller.scopes, `webhooks--my:${access}`) && caller.clientId === clientId) return;
  throw new ApiError('authorization', `Missing required scope: webhooks.configuration:rw or webhooks--all:${access}`);
}

async function authorizeClient(ctx: ActionContext, clientId: string, access: 'ro' | 'rw'): Promise<void> {
  requireReach(ctx.caller, clientId, access);
  await assertOwnClient(ctx.db, ctx.caller, clientId);
}

/** Queued deliveries that must not go out: cancelled with `reason` as their last error (narrow with `.where`). */
const cancelPending = (db: Queryable, reason: string) =>
  db
    .updateTable('webhook_deliveries')
    .set({ status: 'cancelled', last_error: reason, lease_owner: null, lease_until: null, updated_at: nowIso() })
    .where('status', '=', 'pending');

export function webhookView(w: WebhooksTable): Record<string, unknown> {
  const out: Record<string, unknown> = { id: w.id, url: w.url };
  if (w.description !== null) out.description = w.description;
  out.action = w.action;
  if (w.filters !== null) out.filters = JSON.parse(w.filters);
  if (w.additional_data !== null) out.additional_data = JSON.parse(w.additional_data);
  out.owner_client_id = w.owner_client_id;
  out.type = w.type;
  return out;
}

export const registerWebhook = defineAction({
  name: 'register_webhook',
  area: 'webhooks',
  summary: 'Registers a webhook for the Client ID (application) provided in the request.',
  description: 'Registers a webhook for the client id (application) given in the request.',
  schema: RegisterWebhook,
  response: Type.Object({ id: Type.String() }, { additionalProperties: false }),
  scopes: ['webhooks.configuration:rw'],
  async handler(ctx, input) {
    const { caller } = ctx;
    checkUrl(input.url);
    checkFilters(input);
    await assertOwnClient(ctx.db, caller, input.owner_client_id);
    return ctx.tx(async (tx) => {
      // Serialise registrations of one client id so the per-action limit holds under concurrency.
      await lockApplication(tx, input.owner_client_id);
      const { n } = await tx.db
        .selectFrom('webhooks')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where('owner_client_id', '=', input.owner_client_id)
        .where('action', '=', input.action)
        .executeTakeFirstOrThrow();
      if (Number(n) >= MAX_WEBHOOKS_PER_ACTION) {
        throw new ApiError(
          'limit_reached',
          `A client id can register at most ${MAX_WEBHOOKS_PER_ACTION} webhooks for the \`${input.action}\` action`,
        );
      }
      const id = randomHexId(16);
      await tx.db
        .insertInto('webhooks')
        .values({
          id,
          organization_id: caller.organizationId,
          owner_client_id: input.owner_client_id,
          action: input.action,
          type: input.type,
          url: input.url,
          secret_key: input.secret_key,
          description: input.description ?? null,
          filters: input.filters ? JSON.stringify(input.filters) : null,
          additional_data: input.additional_data ? JSON.stringify(input.additional_data) : null,
          // Its deliveries have the format of the version it is registered through (formats.ts).
          version: ctx.version,
          created_at: nowIso(),
        })
        .execute();
      await applicationChanged(tx, input.owner_client_id);
      return { id };
    });
  },
});

export const listWebhooks = defineAction({
  name: 'list_webhooks',
  area: 'webhooks',
  summary: 'Lists all webhooks registered for the given Client ID.',
  description: 'Lists the webhooks registered for the given client id.',
  schema: ListWebhooks,
  response: Type.Array(WebhookView),
  scopes: ['webhooks.configuration:rw'],
  anyOf: ['webhooks.configuration:rw', 'webhooks--my:ro', 'webhooks--all:ro'],
  async handler(ctx, input) {
    await authorizeClient(ctx, input.owner_client_id, 'ro');
    const rows = await ctx.db
      .selectFrom('webhooks')
      .selectAll()
      .where('owner_client_id', '=', input.owner_client_id)
      .orderBy('created_at')
      .orderBy('id')
      .execute();
    return rows.map(webhookView);
  },
});

export const unregisterWebhook = defineAction({
  name: 'unregister_webhook',
  area: 'webhooks',
  summary: 'Unregisters a webhook previously registered for a Client ID (application).',
  description: 'Unregisters a webhook of the given client id; its pending deliveries are cancelled.',
  schema: UnregisterWebhook,
  response: EmptyResponse,
  scopes: ['webhooks.configuration:rw'],
  anyOf: ['webhooks.configuration:rw', 'webhooks--my:rw', 'webhooks--all:rw'],
  async handler(ctx, input) {
    await authorizeClient(ctx, input.owner_client_id, 'rw');
    await ctx.tx(async (tx) => {
      const deleted = await tx.db
        .deleteFrom('webhooks')
        .where('id', '=', input.id)
        .where('owner_client_id', '=', input.owner_client_id)
        .executeTakeFirst();
      if (Number(deleted.numDeletedRows) === 0) throw new ApiError('not_found', `Webhook ${input.id} not found`);
      await cancelPending(tx.db, 'webhook unregistered').where('webhook_id', '=', input.id).execute();
      await applicationChanged(tx, input.owner_client_id);
    });
    return {};
  },
});

export const listWebhookNames = defineAction({
  name: 'list_webhook_names',
  area: 'webhooks',
  summary: 'Lists all webhooks that are supported in a given API version.',
  description:
    'Lists every webhook action of an API version with its filters and additional data (no authorization): the version ' +
    'given as `version` (e.g. `3.4`), else the version of the path.',
  schema: ListWebhookNames,
  response: Type.Array(WebhookNameView),
  scopes: [],
  auth: 'none',
  async handler(ctx, input) {
    const rules = input.version === undefined ? ctx.rules : ctx.rulesOf(input.version);
    if (!rules) throw new ApiError('unsupported_version', `Webhook names are available for the versions this server serves, not ${input.version}`);
    return rules.webhookActions.map((action) => {
      const out: Record<string, unknown> = { action };
      const filters = filtersOf(action);
      if (filters.length) out.filters = [...filters];
      const extra = additionalDataOf(action);
      if (extra.length) out.additional_data = [...extra];
      return out;
    });
  },
});

/**
 * owner_client_id: required with a PAT; with a Bearer token it defaults to the token's client id, and naming that
 * client id is the same as leaving it out (an installed application of another organization manages its own state);
 * where the version refuses it with a token (v3.4: the `tokenOwnerClientId` rule), naming it at all is refused.
 */
async function stateClientId(ctx: ActionContext, given: string | undefined): Promise<string> {
  checkTokenOwnerClientId(ctx.rules, ctx.caller, given);
  const clientId = given ?? ctx.caller.clientId;
  if (!clientId) {
    throw new ApiError('validation', '`owner_client_id` is required when the token carries no client id (e.g. a PAT)');
  }
  await assertOwnClient(ctx.db, ctx.caller, clientId, { ownToken: true });
  return clientId;
}

async function setLicenseState(ctx: ActionContext, given: string | undefined, enabled: boolean): Promise<void> {
  const clientId = await stateClientId(ctx, given);
  const licenseId = ctx.caller.licenseId;
  await ctx.tx(async (tx) => {
    await tx.db
      .insertInto('webhook_license_states')
      .values({ license_id: licenseId, client_id: clientId, enabled: enabled ? 1 : 0, updated_at: nowIso() })
      .onConflict((oc) =>
        oc.columns(['license_id', 'client_id']).doUpdateSet({ enabled: enabled ? 1 : 0, updated_at: nowIso() }),
      )
      .execute();
    if (!enabled) {
      // Nothing more goes out for this application on this licence, queued deliveries included.
      await cancelPending(tx.db, 'licence webhooks disabled')
        .where('license_id', '=', licenseId)
        .where('webhook_id', 'in', (eb) => eb.selectFrom('webhooks').select('id').where('owner_client_id', '=', clientId))
        .execute();
    }
  });
}

const stateSwitch = (name: string, alias: string, enabled: boolean, summary: string, description: string) =>
  defineAction({
    name,
    aliases: [alias],
    area: 'webhooks',
    summary,
    description,
    response: EmptyResponse,
    schema: StateRequest,
    scopes: ['webhooks.state:rw'],
    async handler(ctx, input) {
      await setLicenseState(ctx, input.owner_client_id, enabled);
      return {};
    },
  });

export const enableLicenseWebhooks = stateSwitch(
  'enable_license_webhooks',
  'enable_license_webhook',
  true,
  'Enables the disabled webhooks on the license.',
  'Enables the license webhooks of a client id on the caller’s licence.',
);
export const disableLicenseWebhooks = stateSwitch(
  'disable_license_webhooks',
  'disable_license_webhook',
  false,
  'Disables the webhooks on the license.',
  'Disables the license webhooks of a client id on the caller’s licence (survives reinstalls).',
);

export const getLicenseWebhooksState = defineAction({
  name: 'get_license_webhooks_state',
  area: 'webhooks',
  summary: 'Gets the state of the webhooks registered for a given **Client Id** (application) on the license associated with the access token used in the request.',
  description: 'Tells whether the license webhooks of a client id are enabled on the caller’s licence.',
  schema: StateRequest,
  response: Type.Object({ license_webhooks_enabled: Type.Boolean() }, { additionalProperties: false }),
  scopes: ['webhooks.state:ro'],
  async handler(ctx, input) {
    const clientId = await stateClientId(ctx, input.owner_client_id);
    const row = await ctx.db
      .selectFrom('webhook_license_states')
      .select('enabled')
      .where('license_id', '=', ctx.caller.licenseId)
      .where('client_id', '=', clientId)
      .executeTakeFirst();
    return { license_webhooks_enabled: row ? row.enabled === 1 : true };
  },
});
