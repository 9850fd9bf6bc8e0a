/**
 * The agents area's repository: the only module that reads and writes `agents` (agents, and bots with
 * type = 'bot') and `unsuspension_requests`. Also the agent view (`fields` projection, one serialiser).
 */
import type { ExpressionBuilder, Selectable, SelectQueryBuilder } from 'kysely';
import { ApiError } from '../kernel/errors.js';
import type { Tx } from '../store/transaction.js';
import { nowIso, type Queryable } from '../store/store.js';
import { preparedQuery } from '../store/prepared-query.js';
import type { Database } from '../store/schema.js';
import { uuid } from '../kernel/crypto.js';
import type { Membership } from '../groups/repo.js';
import { checkWorkScheduler, type WorkScheduler } from './schemas.js';

/** Agents and bots (type = 'bot') of one licence. */
export interface AgentsTable {
  license_id: number;
  id: string;
  account_id: string;
  type: string;
  name: string;
  avatar: string | null;
  role: string;
  login_status: string;
  job_title: string | null;
  mobile: string | null;
  max_chats_count: number;
  awaiting_approval: number;
  suspended: number;
  notifications: string;
  email_subscriptions: string;
  work_scheduler: string | null;
  last_logout: string | null;
  default_group_priority: string | null;
  timezone: string | null;
  owner_client_id: string | null;
  secret_hash: string | null;
  created_via: string | null;
  created_at: string;
  updated_at: string;
}

export interface UnsuspensionRequestsTable {
  id: string;
  license_id: number;
  agent_id: string;
  recipients: string;
  requested_at: string;
}

declare module '../store/schema.js' {
  interface Database {
    agents: AgentsTable;
    unsuspension_requests: UnsuspensionRequestsTable;
  }
}

export type AgentRow = Selectable<AgentsTable>;

export const AGENT_FIELDS = [
  'work_scheduler', 'groups', 'email_subscriptions', 'notifications', 'job_title', 'mobile', 'max_chats_count',
  'suspended', 'awaiting_approval', 'last_logout',
] as const;
export const DEFAULT_MAX_CHATS = 6;

export const parseScheduler = (s: string | null): WorkScheduler => (s ? (JSON.parse(s) as WorkScheduler) : {});

const str = (v: string): string => JSON.stringify(v);

/**
 * The agent as get_agent / list_agents show it (base fields plus the requested extras), as JSON text: the one
 * serialiser of the agent view. The JSON columns (work schedule, notifications, e-mail subscriptions) are stored as
 * JSON.stringify wrote them and are copied verbatim instead of being parsed into objects and serialised again
 * (for list_agents that round trip and its garbage dominated the cost of an uncached answer).
 */
export function agentJson(row: AgentRow, groups: Membership[] | undefined, fields: ReadonlySet<string>): string {
  let s =
    `{"id":${str(row.id)},"account_id":${str(row.account_id)},"name":${str(row.name)},"avatar":${str(row.avatar ?? '')}` +
    `,"role":${str(row.role)},"login_status":${str(row.login_status)}`;
  if (fields.size === 0) return s + '}';
  if (fields.has('work_scheduler')) s += `,"work_scheduler":${row.work_scheduler || '{}'}`;
  if (fields.has('groups')) s += `,"groups":${JSON.stringify(groups ?? [])}`;
  if (fields.has('email_subscriptions')) s += `,"email_subscriptions":${row.email_subscriptions || '[]'}`;
  if (fields.has('notifications')) s += `,"notifications":${row.notifications || '[]'}`;
  if (fields.has('job_title')) s += `,"job_title":${str(row.job_title ?? '')}`;
  if (fields.has('mobile')) s += `,"mobile":${str(row.mobile ?? '')}`;
  if (fields.has('max_chats_count')) s += `,"max_chats_count":${JSON.stringify(row.max_chats_count)}`;
  if (fields.has('suspended')) s += `,"suspended":${row.suspended === 1}`;
  if (fields.has('awaiting_approval')) s += `,"awaiting_approval":${row.awaiting_approval === 1}`;
  if (fields.has('last_logout') && row.last_logout) s += `,"last_logout":${str(row.last_logout)}`;
  return s + '}';
}

/** The agent view as an object (derived from `agentJson`, so both can never differ). */
export function agentView(row: AgentRow, groups: Membership[] | undefined, fields: ReadonlySet<string>): Record<string, unknown> {
  return JSON.parse(agentJson(row, groups, fields)) as Record<string, unknown>;
}

/** An update's column changes: `set` for the UPDATE, `changed` for the event payload. */
export interface ColumnChanges {
  set: Partial<AgentRow>;
  changed: Record<string, unknown>;
}

/**
 * Adds to `out` the plain columns among `keys` that `input` gives with a value other than the stored one (a stored
 * null compares as `stored(k)`).
 */
export function plainColumnChanges<K extends keyof AgentRow & string>(
  row: AgentRow,
  input: Partial<Record<K, unknown>>,
  keys: readonly K[],
  stored: (k: K) => unknown,
  out: ColumnChanges,
): void {
  for (const k of keys) {
    const v = input[k];
    if (v === undefined || (row[k] ?? stored(k)) === v) continue;
    (out.set as Record<string, unknown>)[k] = v;
    out.changed[k] = v;
  }
}

/** The checked new work schedule when `input` gives one that differs from the stored one, else undefined. */
export function schedulerChange(row: AgentRow, input: WorkScheduler | undefined, out: ColumnChanges): WorkScheduler | undefined {
  if (input === undefined) return undefined;
  const ws = checkWorkScheduler(input);
  if (JSON.stringify(ws) === JSON.stringify(parseScheduler(row.work_scheduler))) return undefined;
  out.set.work_scheduler = JSON.stringify(ws);
  out.changed.work_scheduler = ws;
  return ws;
}

const ALL_FIELDS: ReadonlySet<string> = new Set(AGENT_FIELDS);

/** Full state, as the agent_created webhook carries it. */
export function agentFullState(row: AgentRow, groups: Membership[]): Record<string, unknown> {
  return agentView(row, groups, ALL_FIELDS);
}

/**
 * Agent ids are e-mail addresses, compared ignoring letter case as the stores' `lower()` does (the unique index
 * agents_lower_id on (license_id, lower(id))). Ids that differ only in ASCII letter case are the same agent in both
 * stores (every `lower()` folds ASCII), so this comparison never confuses two agents; it serves checks made before
 * any lookup (is the caller acting on itself?) and cache keys.
 */
export const foldAgentId = (id: string): string => (/[A-Z]/.test(id) ? id.replace(/[A-Z]+/g, (m) => m.toLowerCase()) : id);
export const sameAgentId = (a: string, b: string): boolean => a === b || foldAgentId(a) === foldAgentId(b);

/** `lower(id) = lower($id)`: the second column of the unique index agents_lower_id. */
const idIgnoringCase = (id: string) => (eb: ExpressionBuilder<Database, 'agents'>) =>
  eb(eb.fn('lower', ['id']), '=', eb.fn('lower', [eb.val(id)]));

/**
 * One agent (or bot) by id whatever its letter case: a seek on the unique index (license_id, lower(id)). The type
 * is checked on the row, not in SQL: with `type = $3` in the WHERE clause and no planner statistics yet (a freshly
 * imported licence), PostgreSQL may serve the lookup from the (license_id, type) index and filter every agent of the
 * licence; on the full unique index it always seeks one row.
 */
export const selectAgentColumns = <C extends keyof AgentRow & string>(db: Queryable, licenseId: number, id: string, columns: readonly C[]) =>
  db
    .selectFrom('agents')
    .select(columns as C[])
    .where('license_id', '=', licenseId)
    .where(idIgnoringCase(id));

const selectAgent = preparedQuery(2, (db, licenseId: number, id: string) =>
  db
    .selectFrom('agents')
    .selectAll()
    .where('license_id', '=', licenseId)
    .where(idIgnoringCase(id)),
);

/** The agent (or bot, with `type`) whose id equals `id` ignoring letter case; the row keeps the id as created. */
export async function findAgent(
  db: Queryable,
  licenseId: number,
  id: string,
  type: 'agent' | 'bot' = 'agent',
): Promise<AgentRow | undefined> {
  const row = (await selectAgent(db, licenseId, id)).rows[0];
  return row?.type === type ? row : undefined;
}

export async function getAgentOrThrow(
  db: Queryable,
  licenseId: number,
  id: string,
  type: 'agent' | 'bot' = 'agent',
): Promise<AgentRow> {
  const row = await findAgent(db, licenseId, id, type);
  if (!row) throw new ApiError('not_found', type === 'bot' ? `Bot ${id} not found` : `Agent ${id} not found`);
  return row;
}

const selectAgentId = preparedQuery(2, (db, licenseId: number, id: string) =>
  db
    .selectFrom('agents')
    .select('id')
    .where('license_id', '=', licenseId)
    .where(idIgnoringCase(id)),
);

/**
 * The agents or bots of the licence named by `ids` (any letter case): a map from each given id that names one to
 * its id as created. Ids given as created are found in one statement on the primary key; each other one costs one
 * seek on the unique index (license_id, lower(id)), so the store's own case folding decides, exactly as that index
 * does. (A single `lower(id) IN (…)` statement is planned as a scan of the licence's agents by both stores.)
 */
export async function resolveAgentIds(db: Queryable, licenseId: number, ids: readonly string[]): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  if (ids.length === 0) return out;
  const exact = await db
    .selectFrom('agents')
    .select('id')
    .where('license_id', '=', licenseId)
    .where('id', 'in', ids as string[])
    .execute();
  for (const r of exact) out.set(r.id, r.id);
  for (const id of ids) {
    if (out.has(id)) continue;
    const row = (await selectAgentId(db, licenseId, id)).rows[0];
    if (row) out.set(id, row.id);
  }
  return out;
}

export interface UnsuspensionRequest {
  id: string;
  agent_id: string;
  recipients: string[];
  requested_at: string;
}

/** Unsuspension requests sent to the licence's owners (request_agent_unsuspension), oldest first. */
export async function listUnsuspensionRequests(db: Queryable, licenseId: number): Promise<UnsuspensionRequest[]> {
  const rows = await db
    .selectFrom('unsuspension_requests')
    .select(['id', 'agent_id', 'recipients', 'requested_at'])
    .where('license_id', '=', licenseId)
    .orderBy('requested_at')
    .execute();
  return rows.map((r) => ({ id: r.id, agent_id: r.agent_id, recipients: JSON.parse(r.recipients) as string[], requested_at: r.requested_at }));
}

export interface NewAgent {
  id: string;
  name: string;
  type?: 'agent' | 'bot';
  role?: string;
  avatar?: string | null;
  login_status?: string;
  job_title?: string | null;
  mobile?: string | null;
  max_chats_count?: number;
  awaiting_approval?: boolean;
  notifications?: string[];
  email_subscriptions?: string[];
  work_scheduler?: WorkScheduler | null;
  default_group_priority?: string | null;
  timezone?: string | null;
  owner_client_id?: string | null;
  secret_hash?: string | null;
  created_via?: string | null;
}

/** The row of a new agent or bot: `a` with every default filled in. */
export function newAgentRow(licenseId: number, a: NewAgent, now: string): AgentRow {
  return {
    license_id: licenseId,
    id: a.id,
    account_id: uuid(),
    type: a.type ?? 'agent',
    name: a.name,
    avatar: a.avatar ?? null,
    role: a.role ?? 'normal',
    login_status: a.login_status ?? 'not accepting chats',
    job_title: a.job_title ?? null,
    mobile: a.mobile ?? null,
    max_chats_count: a.max_chats_count ?? DEFAULT_MAX_CHATS,
    awaiting_approval: a.awaiting_approval ? 1 : 0,
    suspended: 0,
    notifications: JSON.stringify(a.notifications ?? []),
    email_subscriptions: JSON.stringify(a.email_subscriptions ?? []),
    work_scheduler: a.work_scheduler ? JSON.stringify(a.work_scheduler) : null,
    last_logout: null,
    default_group_priority: a.default_group_priority ?? null,
    timezone: a.timezone ?? null,
    owner_client_id: a.owner_client_id ?? null,
    secret_hash: a.secret_hash ?? null,
    created_via: a.created_via ?? null,
    created_at: now,
    updated_at: now,
  };
}

/** Insert one agent or bot; `already_exists` if the id is taken in the licence. Returns the stored row. */
export async function insertAgent(tx: Tx, licenseId: number, a: NewAgent): Promise<AgentRow> {
  // Agent ids are e-mail addresses: unique within the licence regardless of letter case (unique index
  // agents_lower_id). One statement checks and writes; the account id is a fresh UUID, so a conflict is the id.
  const row = newAgentRow(licenseId, a, tx.clock.next());
  const { numInsertedOrUpdatedRows } = await tx.db.insertInto('agents').values(row).onConflict((oc) => oc.doNothing()).executeTakeFirst();
  if (numInsertedOrUpdatedRows === 0n) throw new ApiError('already_exists', `Agent ${a.id} already exists`);
  return row;
}

/** Delete one agent or bot row (memberships and credentials are removed first by their owners). */
export async function deleteAgentRecord(trx: Queryable, licenseId: number, id: string): Promise<void> {
  await trx.deleteFrom('agents').where('license_id', '=', licenseId).where('id', '=', id).execute();
}

/** The view columns of one agent (or bot, `type` among `columns` to tell) by id in any letter case; see findAgent. */
export function findAgentColumns<C extends keyof AgentRow & string>(
  db: Queryable,
  licenseId: number,
  id: string,
  columns: readonly C[],
): Promise<Pick<AgentRow, C> | undefined> {
  return selectAgentColumns(db, licenseId, id, columns).executeTakeFirst() as Promise<Pick<AgentRow, C> | undefined>;
}

/** list_agents' filters: suspended or not; member of any of `groupIds` (undefined = no filter). */
export interface AgentListFilter {
  suspended?: boolean;
  /** A condition on `agents` rows built by the owner of memberships (see groups' `memberOfAnyGroup`). */
  inGroups?: (eb: ExpressionBuilder<Database, 'agents'>) => ReturnType<ExpressionBuilder<Database, 'agents'>['exists']>;
}

/** The licence's agents (not bots) with the given columns, in creation order: one statement on (license_id, type). */
export async function listAgentRows<C extends keyof AgentRow & string>(
  db: Queryable,
  licenseId: number,
  columns: readonly C[],
  filter: AgentListFilter = {},
): Promise<Pick<AgentRow, C>[]> {
  let q = db
    .selectFrom('agents')
    .select(columns as C[])
    .where('license_id', '=', licenseId)
    .where('type', '=', 'agent');
  if (filter.suspended !== undefined) q = q.where('suspended', '=', filter.suspended ? 1 : 0);
  if (filter.inGroups !== undefined) q = q.where(filter.inGroups);
  return (await q.orderBy('created_at').orderBy('id').execute()) as unknown as Pick<AgentRow, C>[];
}

/** Which bots list_bots reaches: every bot of the licence, or "my" bots of one kind (see bots' isMyBot). */
export type BotReach =
  | { all: true }
  | { botId: string }
  | { createdVia: 'pat' }
  | { ownerClientId: string };

/** The licence's bots within `reach`, in creation order. */
export function listBotRows(db: Queryable, licenseId: number, reach: BotReach): Promise<AgentRow[]> {
  let q = db.selectFrom('agents').selectAll().where('license_id', '=', licenseId).where('type', '=', 'bot');
  if ('botId' in reach) q = q.where('id', '=', reach.botId);
  else if ('createdVia' in reach) q = q.where('created_via', '=', reach.createdVia);
  else if ('ownerClientId' in reach) q = q.where('owner_client_id', '=', reach.ownerClientId).where('created_via', '<>', 'pat');
  return q.orderBy('created_at').orderBy('id').execute();
}

/** Write changed columns of one agent or bot (found before, so `id` is as created), stamping `updated_at`. */
export async function updateAgentColumns(trx: Queryable, licenseId: number, id: string, set: Partial<AgentRow>): Promise<void> {
  await trx
    .updateTable('agents')
    .set({ ...set, updated_at: nowIso() })
    .where('license_id', '=', licenseId)
    .where('id', '=', id)
    .execute();
}

/** The licence's first agent (not bot) by creation (licence reset without a baseline keeps it as the owner). */
export function oldestAgent(db: Queryable, licenseId: number): Promise<AgentRow | undefined> {
  return db
    .selectFrom('agents')
    .selectAll()
    .where('license_id', '=', licenseId)
    .where('type', '=', 'agent')
    .orderBy('created_at')
    .orderBy('account_id')
    .limit(1)
    .executeTakeFirst();
}

/** Ids of the licence's owners and vice owners (agents, not bots), sorted. */
export async function ownerAndViceownerIds(db: Queryable, licenseId: number): Promise<string[]> {
  const rows = await db
    .selectFrom('agents')
    .select('id')
    .where('license_id', '=', licenseId)
    .where('type', '=', 'agent')
    .where('role', 'in', ['owner', 'viceowner'])
    .orderBy('id')
    .execute();
  return rows.map((r) => r.id);
}

// --- agents joined by the queries of other owners (one statement each) ---------------------------------------------

/**
 * Agents and bots as authentication sees them, as a query to join on (`license_id`, `account_id`): a credential
 * lookup reads its agent in the same statement (authentication.ts).
 */
export const agentsForAuthentication = (db: Queryable) =>
  db.selectFrom('agents').select(['license_id', 'account_id', 'id as agent_id', 'role', 'type', 'suspended']);

/** The bot a bot token names (its id as signed), as a query to join with its licence (bots/token.ts). */
export const botForToken = (db: Queryable, licenseId: number, id: string) =>
  db
    .selectFrom('agents')
    .select(['license_id', 'id', 'account_id', 'owner_client_id'])
    .where('license_id', '=', licenseId)
    .where('id', '=', id)
    .where('type', '=', 'bot');

/** The owner of each licence, as a query to join on `license_id` (provisioning's `ownerCaller`). */
export const licenseOwners = (db: Queryable) =>
  db.selectFrom('agents').select(['license_id', 'id as agent_id', 'account_id']).where('role', '=', 'owner').where('type', '=', 'agent');

// --- bots of one id on many licences (template bots) ---------------------------------------------------------------

/** The bots with this id on the given licences, by licence. */
export async function botsOnLicenses(db: Queryable, id: string, licenseIds: readonly number[]): Promise<AgentRow[]> {
  if (licenseIds.length === 0) return [];
  return db
    .selectFrom('agents')
    .selectAll()
    .where('id', '=', id)
    .where('type', '=', 'bot')
    .where('license_id', 'in', licenseIds as number[])
    .orderBy('license_id')
    .execute();
}

/** Insert complete rows (see newAgentRow) of agents or bots known not to exist yet. */
export async function insertAgentRows(trx: Queryable, rows: readonly AgentRow[]): Promise<void> {
  if (rows.length === 0) return;
  await trx.insertInto('agents').values(rows as AgentRow[]).execute();
}

/** Write the same column changes to the bots with this id on the given licences, stamping `updated_at`. */
export async function updateBotsOnLicenses(
  trx: Queryable,
  id: string,
  licenseIds: readonly number[],
  set: Partial<AgentRow>,
): Promise<void> {
  if (licenseIds.length === 0) return;
  await trx
    .updateTable('agents')
    .set({ ...set, updated_at: nowIso() })
    .where('id', '=', id)
    .where('type', '=', 'bot')
    .where('license_id', 'in', licenseIds as number[])
    .execute();
}

/**
 * The secret hashes of the bots with this id and owner client id on the licences of `licenseIds` (a subquery,
 * e.g. tenancy's `organizationLicenseIds`), by licence: the candidates of issue_bot_token.
 */
export function botSecretsOnLicenses(
  db: Queryable,
  id: string,
  ownerClientId: string,
  licenseIds: SelectQueryBuilder<Database, 'licenses', { id: number }>,
): Promise<{ license_id: number; secret_hash: string | null }[]> {
  return db
    .selectFrom('agents')
    .select(['license_id', 'secret_hash'])
    .where('id', '=', id)
    .where('type', '=', 'bot')
    .where('owner_client_id', '=', ownerClientId)
    .where('license_id', 'in', licenseIds)
    .orderBy('license_id')
    .execute();
}

// --- unsuspension requests -----------------------------------------------------------------------------------------

/** Record a suspended agent's request to be unsuspended, addressed to `recipients`. */
export async function insertUnsuspensionRequest(
  trx: Queryable,
  licenseId: number,
  agentId: string,
  recipients: readonly string[],
): Promise<void> {
  await trx
    .insertInto('unsuspension_requests')
    .values({ id: uuid(), license_id: licenseId, agent_id: agentId, recipients: JSON.stringify(recipients), requested_at: nowIso() })
    .execute();
}


/** How many active (not suspended) agents and bots the licence has. */
export async function countActiveAgents(db: Queryable, licenseId: number): Promise<number> {
  const row = await db
    .selectFrom('agents')
    .select((eb) => eb.fn.countAll().as('n'))
    .where('license_id', '=', licenseId)
    .where('suspended', '=', 0)
    .executeTakeFirstOrThrow();
  return Number(row.n); // int8 comes back as a number on PostgreSQL too (see store/postgres.ts)
}
