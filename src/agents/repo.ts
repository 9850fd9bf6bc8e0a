/**
 * The agents area's repository: with bot-rows.ts (the bots area's queries), the only module that reads and writes
 * `agents` (agents, and bots with type = 'bot'). Unsuspension requests are in unsuspension-requests.ts, the agent
 * view in view.ts.
 */
import type { ExpressionBuilder, Selectable } from 'kysely';
import { ApiError } from '../kernel/errors.js';
import { uuid } from '../kernel/crypto.js';
import type { Prefetch, Tx } from '../store/transaction.js';
import { nowIso, type Queryable } from '../store/store.js';
import { writeAtCommit } from '../store/pg-commit.js';
import { pgTextValue, preparedPgText, preparedQuery } from '../store/prepared-query.js';
import type { Database } from '../store/schema.js';
import type { WorkScheduler } from './schemas.js';

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
  /** Bots: their v3.6 `type` (default `chatbot`); agents: null. */
  bot_type: string | null;
  created_at: string;
  updated_at: string;
}

declare module '../store/schema.js' {
  interface Database {
    agents: AgentsTable;
  }
}

export type AgentRow = Selectable<AgentsTable>;

export const DEFAULT_MAX_CHATS = 6;

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

const agentById = (db: Queryable, licenseId: number, id: string) =>
  db
    .selectFrom('agents')
    .selectAll()
    .where('license_id', '=', licenseId)
    .where(idIgnoringCase(id));
const selectAgent = preparedQuery(2, agentById);
const selectAgentText = preparedPgText(2, agentById);
const agentKey = (licenseId: number, id: string) => `agent:${licenseId}:${id}`;

/** The agent (or bot) `getAgentOrThrowIn` reads, looked up in the licence lock's round trip (PostgreSQL). */
export const agentPrefetch = (licenseId: number, id: string): Prefetch => ({
  key: agentKey(licenseId, id),
  sql: (db) => selectAgentText(db, licenseId, id),
});

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

/** `getAgentOrThrow` in `tx`, from the row `agentPrefetch` looked up with the lock when it did. */
export async function getAgentOrThrowIn(tx: Tx, licenseId: number, id: string, type: 'agent' | 'bot' = 'agent'): Promise<AgentRow> {
  const prefetched = tx.takePrefetched(agentKey(licenseId, id)) as AgentRow[] | undefined;
  if (!prefetched) return getAgentOrThrow(tx.db, licenseId, id, type);
  const row = prefetched[0];
  if (row?.type !== type) throw new ApiError('not_found', type === 'bot' ? `Bot ${id} not found` : `Agent ${id} not found`);
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
  /** Bots' v3.6 `type` (default `chatbot`). */
  bot_type?: string;
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
    bot_type: a.type === 'bot' ? (a.bot_type ?? 'chatbot') : null,
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

/**
 * `insertAgent` of several agents in one statement, in order: each one's stored row, or null where its id was taken
 * (in any letter case, also by an earlier one of `agents`), as `insertAgent` in turn would have refused it.
 */
export async function insertAgents(tx: Tx, licenseId: number, agents: readonly NewAgent[]): Promise<Array<AgentRow | null>> {
  if (agents.length === 0) return [];
  const rows = agents.map((a) => newAgentRow(licenseId, a, tx.clock.next()));
  // The rows go in in order, so of several with one id (in any letter case) the first is stored, as one at a time.
  const stored = await tx.db.insertInto('agents').values(rows).onConflict((oc) => oc.doNothing()).returning('id').execute();
  const unclaimed = new Set(stored.map((r) => r.id));
  return rows.map((row) => (unclaimed.delete(row.id) ? row : null));
}

/** Delete one agent or bot row (memberships and credentials are removed first by their owners). */
export async function deleteAgentRecord(trx: Queryable, licenseId: number, id: string): Promise<void> {
  await trx.deleteFrom('agents').where('license_id', '=', licenseId).where('id', '=', id).execute();
}

/** findAgentColumns' queries, compiled once per column list (get_agent's `fields`): no Kysely building per call. */
const byColumns = new Map<string, (db: Queryable, licenseId: number, id: string) => Promise<{ rows: unknown[] }>>();

/** The view columns of one agent (or bot, `type` among `columns` to tell) by id in any letter case; see findAgent. */
export function findAgentColumns<C extends keyof AgentRow & string>(
  db: Queryable,
  licenseId: number,
  id: string,
  columns: readonly C[],
): Promise<Pick<AgentRow, C> | undefined> {
  const key = columns.join(',');
  let query = byColumns.get(key);
  if (!query) {
    query = preparedQuery(2, (q, license: number, agent: string) => selectAgentColumns(q, license, agent, columns));
    // At most one per subset of the view's fields; bounded all the same.
    if (byColumns.size < 2048) byColumns.set(key, query);
  }
  return query(db, licenseId, id).then((r) => r.rows[0] as Pick<AgentRow, C> | undefined);
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

type UpdateColumns = (db: Queryable, ...args: unknown[]) => Promise<unknown>;
/** `updateAgentColumns`' statements, compiled once per list of changed columns (few: one per kind of change). */
const updates = new Map<string, UpdateColumns>();
const MAX_UPDATE_SHAPES = 256;

/** The columns `set` gives a value (updated_at is stamped by the update itself). */
const changedColumns = (set: Partial<AgentRow>) =>
  Object.keys(set).filter((c) => c !== 'updated_at' && set[c as keyof AgentRow] !== undefined) as (keyof AgentRow)[];

/** The UPDATE of `columns` (then updated_at) of one agent; arguments: the columns' values, updated_at, licence, id. */
const updateStatement = (columns: readonly (keyof AgentRow)[]) => (db: Queryable, ...args: unknown[]) =>
  db
    .updateTable('agents')
    .set({ ...Object.fromEntries(columns.map((c, i) => [c, args[i]])), updated_at: args[columns.length] as string })
    .where('license_id', '=', args[columns.length + 1] as number)
    .where('id', '=', args[columns.length + 2] as string);

/** Write changed columns of one agent or bot (found before, so `id` is as created), stamping `updated_at`. */
export async function updateAgentColumns(trx: Queryable, licenseId: number, id: string, set: Partial<AgentRow>): Promise<void> {
  const columns = changedColumns(set);
  const key = columns.join(',');
  let update = updates.get(key);
  if (!update) {
    update = preparedQuery(columns.length + 3, updateStatement(columns)) as UpdateColumns;
    if (updates.size < MAX_UPDATE_SHAPES) updates.set(key, update);
  }
  await update(trx, ...columns.map((c) => set[c]), nowIso(), licenseId, id);
}

/** `updateAgentColumns`'s statement as a text with its values written in (PostgreSQL), compiled once per column list. */
const updateTexts = new Map<string, (db: Queryable, ...args: unknown[]) => string>();

/**
 * `updateAgentColumns` inside `tx`, sent with its COMMIT on PostgreSQL when the transaction allows it (`keepsWrites`:
 * a single call; store/pg-commit.ts `writeAtCommit`: no round trip of its own, the licence lock released one round
 * trip sooner); as `updateAgentColumns` on SQLite, in a batch, or when a value cannot be written in.
 */
export async function updateAgentColumnsAtCommit(tx: Tx, licenseId: number, id: string, set: Partial<AgentRow>): Promise<void> {
  const columns = changedColumns(set);
  const values = columns.map((c) => set[c]);
  if (tx.dialect !== 'postgres' || !tx.keepsWrites || !values.every(pgTextValue)) return updateAgentColumns(tx.db, licenseId, id, set);
  const key = columns.join(',');
  let text = updateTexts.get(key);
  if (!text) {
    text = preparedPgText(columns.length + 3, updateStatement(columns));
    if (updateTexts.size < MAX_UPDATE_SHAPES) updateTexts.set(key, text);
  }
  await writeAtCommit(tx.db, text(tx.db, ...values, nowIso(), licenseId, id));
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

/** The owner of each licence, as a query to join on `license_id` (provisioning's `ownerCaller`). */
export const licenseOwners = (db: Queryable) =>
  db.selectFrom('agents').select(['license_id', 'id as agent_id', 'account_id']).where('role', '=', 'owner').where('type', '=', 'agent');

/** Insert complete rows (see newAgentRow) of agents or bots known not to exist yet. */
export async function insertAgentRows(trx: Queryable, rows: readonly AgentRow[]): Promise<void> {
  if (rows.length === 0) return;
  await trx.insertInto('agents').values(rows as AgentRow[]).execute();
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
