/**
 * One Kysely instance over either better-sqlite3 (default, a WAL file under ./data; src/store/sqlite.ts) or pg
 * (DATABASE_URL=postgres://…; src/store/postgres.ts). The same migrations and queries serve both dialects. Also:
 * prepared queries, transactions (a lock taken first, settings, batch memo, commit signals), savepoints, and the
 * store's own tables (`counters`, `settings`).
 */
import {
  Migrator,
  sql,
  type CompiledQuery,
  type DialectAdapter,
  type QueryResult,
} from 'kysely';
import { migrations } from './migrations/index.js';
import { DEFAULT_DATABASE_URL, parseDatabaseUrl, redactUrl, type DatabaseConfig } from '../config.js';
import type { Dialect, Queryable, Store, StoreOptions, Tx } from './store.js';
import { openSqlite } from './sqlite.js';
import { openPostgres } from './postgres.js';
import { StoreHealth } from './health.js';

export { CreationClock, type Db, type Dialect, type Queryable, type Store, type StoreOptions, type Tx } from './store.js';

/** The store a query handle (root or transaction) belongs to; they share one dialect adapter. */
const storesByAdapter = new WeakMap<object, Store>();
export function storeOf(db: Queryable): Store {
  const store = storesByAdapter.get(db.getExecutor().adapter);
  if (!store) throw new Error('query handle of no open store');
  return store;
}
export const dialectOf = (db: Queryable): Dialect => storeOf(db).dialect;

/** The store options a configuration gives (`poolSize` overrides DATABASE_POOL_SIZE, e.g. for short CLI commands). */
export function storeOptionsOf(db: DatabaseConfig, poolSize = db.poolSize): StoreOptions {
  return { poolSize, connectTimeoutMs: db.connectTimeoutMs, queryTimeoutMs: db.queryTimeoutMs, sqliteSynchronous: db.sqliteSynchronous };
}

/** Open the store a DATABASE_URL names (see `parseDatabaseUrl`); nothing is read from the environment. */
export function openStore(url: string = DEFAULT_DATABASE_URL, opts: StoreOptions = {}): Store {
  const target = parseDatabaseUrl(url);
  if (!target) throw new Error(`DATABASE_URL names no supported store: ${redactUrl(url)}`);
  // While the database is away, the health probe asks again every half second: a read, or a small write to the
  // store's own settings table when writes were refused (disk full, read-only).
  const health: StoreHealth = new StoreHealth((write): Promise<unknown> =>
    write ? writeSetting(store.db, 'health_probe', nowIso()) : sql`SELECT 1`.execute(store.db),
  );
  const store: Store = target.kind === 'postgres' ? openPostgres(url, opts, health) : openSqlite(url, target.file!, opts, health);
  storesByAdapter.set(store.db.getExecutor().adapter, store);
  return store;
}

/**
 * Known migrations not applied to this database (`pending`) and applied ones this build does not know (`unknown`,
 * i.e. a newer build migrated the database). One query on the migration table; a database never migrated has every
 * migration pending.
 */
export async function migrationStatus(db: Queryable): Promise<{ pending: string[]; unknown: string[] }> {
  let applied: string[];
  try {
    const { rows } = await sql<{ name: string }>`SELECT name FROM kysely_migration`.execute(db);
    applied = rows.map((r) => r.name);
  } catch (err) {
    const e = err as { code?: string; message?: string };
    // 42P01 undefined_table (PostgreSQL); SQLite reports "no such table".
    if (e.code === '42P01' || /no such table/i.test(e.message ?? '')) applied = [];
    else throw err;
  }
  const known = Object.keys(migrations);
  const done = new Set(applied);
  return { pending: known.filter((m) => !done.has(m)), unknown: applied.filter((m) => !(m in migrations)) };
}

export async function migrate(store: Store): Promise<string[]> {
  const migrator = new Migrator({
    db: store.db,
    provider: { getMigrations: async () => migrations },
  });
  const { error, results } = await migrator.migrateToLatest();
  if (error) throw error;
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}

/** Stands for the i-th argument of a prepared query while it is compiled. */
class Param {
  constructor(readonly index: number) {}
}

/**
 * A query of fixed shape, built and compiled by Kysely once per dialect; later calls only bind their arguments.
 * Skips Kysely's per-call building and compiling (immutable node trees, frozen objects, SQL generation: several µs
 * per query). `build` must produce the same SQL whatever the arguments: use them only as plain values (no `in`
 * lists, no optional columns, no `undefined`), since they are stand-in objects while compiling.
 */
export function preparedQuery<A extends unknown[], R>(
  arity: A['length'],
  build: (db: Queryable, ...args: A) => { compile(): CompiledQuery<R> },
): (db: Queryable, ...args: A) => Promise<QueryResult<R>> {
  const compiled = new WeakMap<DialectAdapter, CompiledQuery<R>>();
  return async (db, ...args) => {
    const adapter = db.getExecutor().adapter;
    let query = compiled.get(adapter);
    if (!query) {
      const stand = Array.from({ length: arity }, (_, i) => new Param(i)) as unknown as A;
      query = build(db, ...stand).compile();
      if (!query.parameters.some((p) => p instanceof Param)) throw new Error('preparedQuery: arguments are not bound');
      compiled.set(adapter, query);
    }
    const parameters = query.parameters.map((p) => (p instanceof Param ? args[p.index] : p));
    return db.executeQuery<R>({ ...query, parameters });
  };
}

const counterUpsert = preparedQuery(2, (db, name: string, start: number) =>
  db
    .insertInto('counters')
    .values({ name, value: start })
    .onConflict((oc) => oc.column('name').doUpdateSet({ value: sql`counters.value + 1` }))
    .returning('value'),
);

/** Next value of a named counter, inside the caller's transaction (row-locked on PostgreSQL). */
export async function nextCounter(trx: Queryable, name: string, start = 1): Promise<number> {
  const { rows } = await counterUpsert(trx, name, start);
  if (!rows[0]) throw new Error(`counter ${name} returned no row`);
  return Number(rows[0].value);
}

/** A setting's value (the store's `settings` table: one value per key), or null when it has none. */
export async function readSetting(db: Queryable, key: string): Promise<string | null> {
  const row = await db.selectFrom('settings').select('value').where('key', '=', key).executeTakeFirst();
  return row?.value ?? null;
}

/** Record `value` for a setting that has none; returns the setting's value then (the one recorded before, if any). */
export async function initSetting(db: Queryable, key: string, value: string): Promise<string> {
  await db.insertInto('settings').values({ key, value }).onConflict((oc) => oc.column('key').doNothing()).execute();
  return (await readSetting(db, key)) ?? value;
}

/** Set a setting's value, whether it had one or not. */
export async function writeSetting(db: Queryable, key: string, value: string): Promise<void> {
  await db.insertInto('settings').values({ key, value }).onConflict((oc) => oc.column('key').doUpdateSet({ value })).execute();
}

/**
 * Start a fresh savepoint for the next unit of work inside a transaction (one item of a batch call), releasing the
 * previous one: `ROLLBACK TO SAVEPOINT item` then undoes that unit alone and keeps the savepoint, so the next call
 * works after a rollback too. PostgreSQL: one round trip (both statements in one simple-protocol query).
 */
export async function nextSavepoint(trx: Queryable, first: boolean): Promise<void> {
  if (first) await sql`SAVEPOINT item`.execute(trx);
  else if (dialectOf(trx) === 'postgres') await sql`RELEASE SAVEPOINT item; SAVEPOINT item`.execute(trx);
  else {
    await sql`RELEASE SAVEPOINT item`.execute(trx);
    await sql`SAVEPOINT item`.execute(trx);
  }
}

/** What a commit tells the app (e.g. wake webhook delivery, drop cached token lookups). */
export type CommitSignal = 'deliveries-queued' | 'credentials-changed';

/** Per-transaction state of a transaction run by `runTransaction`. */
interface TxState {
  signals: Set<CommitSignal>;
  /** Batch calls only: lookups remembered for the rest of the transaction (see `transactionMemo`). */
  memo?: Map<string, unknown>;
  settings: TxSettings;
}

/** What the app tells every transaction it runs. */
export interface TxSettings {
  /** Which webhook events are stored: only those a webhook will receive, or every one (an audit log). */
  eventLog: 'subscribed' | 'all';
}
const DEFAULT_TX_SETTINGS: TxSettings = { eventLog: 'subscribed' };

const txStates = new WeakMap<object, TxState>();

/**
 * Ask for `signal` to be sent when `trx` commits (once per transaction, whatever the number of asks). Outside a
 * transaction run by `runTransaction` (e.g. the CLI, which has no listeners) nothing is sent.
 */
export function signalOnCommit(trx: Queryable, signal: CommitSignal): void {
  txStates.get(trx)?.signals.add(signal);
}

/** The settings of the app running `trx` (defaults for transactions no app runs, e.g. the CLI's). */
export function txSettings(trx: Queryable): TxSettings {
  return txStates.get(trx)?.settings ?? DEFAULT_TX_SETTINGS;
}

export interface TransactionOptions {
  /** Run first in the transaction, e.g. a lock serialising the writers of one licence (tenancy's `lockLicense`). */
  lock?: (trx: Tx) => Promise<void>;
  /** Remember lookups for the rest of the transaction (batch calls, see `transactionMemo`). */
  memo?: boolean;
  settings?: TxSettings;
  /** Called after the commit with the signals the transaction asked for (not called when it rolls back). */
  onCommit?: (signals: ReadonlySet<CommitSignal>) => void;
}

/** Run `fn` as one transaction; after the commit, hand its signals to `opts.onCommit`. */
export async function runTransaction<T>(store: Store, opts: TransactionOptions, fn: (trx: Tx) => Promise<T>): Promise<T> {
  const state: TxState = { signals: new Set(), settings: opts.settings ?? DEFAULT_TX_SETTINGS, memo: opts.memo ? new Map() : undefined };
  const result = await store.db.transaction().execute(async (trx) => {
    txStates.set(trx, state);
    if (opts.lock) await opts.lock(trx);
    return fn(trx);
  });
  store.health.ok();
  if (state.signals.size) opts.onCommit?.(state.signals);
  return result;
}

/**
 * `load()`'s value for `key`, computed once per transaction where the transaction remembers lookups (batch calls:
 * their items run in one transaction and repeat the same lookups), else every call. Only for lookups the
 * transaction itself cannot change and whose value may be taken at any point of it (e.g. webhook subscriptions,
 * which batchable actions never change).
 */
export async function transactionMemo<T>(trx: Queryable, key: string, load: () => Promise<T>): Promise<T> {
  const memo = txStates.get(trx)?.memo;
  if (!memo) return load();
  if (memo.has(key)) return memo.get(key) as T;
  const value = await load();
  memo.set(key, value);
  return value;
}

export async function rollbackToSavepoint(trx: Queryable): Promise<void> {
  await sql`ROLLBACK TO SAVEPOINT item`.execute(trx);
}

export const nowIso = (): string => new Date().toISOString();

/** A creation timestamp from the store's clock (strictly increasing per store, see `CreationClock`). */
export const creationTimeIso = (db: Queryable): string => storeOf(db).clock.next();

/** The database named by DATABASE_URL cannot be opened or reached; the message is one line meant for operators. */
export class StoreUnavailableError extends Error {
  override name = 'StoreUnavailableError';
}

/** Where a URL points, for messages: `host:port/database` (PostgreSQL) or the file (SQLite); never the password. */
export function describeTarget(url: string): string {
  const target = parseDatabaseUrl(url);
  if (target?.kind === 'sqlite') return `SQLite file ${target.file}`;
  try {
    const u = new URL(url);
    return `PostgreSQL at ${u.hostname || 'localhost'}:${u.port || '5432'}, database ${JSON.stringify(decodeURIComponent(u.pathname.slice(1)) || u.username || 'postgres')}`;
  } catch {
    return `PostgreSQL at ${redactUrl(url)}`;
  }
}

/** Open the store and check that it answers; failures become one StoreUnavailableError line naming DATABASE_URL. */
export async function openReachableStore(url: string, opts: StoreOptions = {}): Promise<Store> {
  let store: Store;
  try {
    store = openStore(url, opts);
  } catch (err) {
    throw new StoreUnavailableError(`DATABASE_URL: cannot open ${describeTarget(url)}: ${(err as Error).message}`);
  }
  try {
    await sql`SELECT 1`.execute(store.db);
  } catch (err) {
    await store.close().catch(() => {});
    const e = err as { code?: string; message?: string; errors?: Array<{ message?: string }> };
    const reason = e.message || e.errors?.map((x) => x.message).join('; ') || e.code || String(err);
    throw new StoreUnavailableError(`DATABASE_URL: cannot reach ${describeTarget(url)}: ${reason}`);
  }
  return store;
}
