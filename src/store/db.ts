/**
 * One Kysely instance over either better-sqlite3 (default, a WAL file under ./data) or pg (DATABASE_URL=postgres://…).
 * The same migrations and queries serve both dialects.
 */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import SQLite from 'better-sqlite3';
import pg from 'pg';
import {
  Kysely,
  Migrator,
  PostgresDialect,
  SqliteDialect,
  sql,
  type CompiledQuery,
  type DialectAdapter,
  type QueryResult,
  type Transaction,
} from 'kysely';
import type { Database } from './schema.js';
import { migrations } from './migrations/index.js';
import { DEFAULT_DATABASE_URL, parseDatabaseUrl, redactUrl, type DatabaseConfig } from '../config.js';

export type Dialect = 'sqlite' | 'postgres';
export type Db = Kysely<Database>;
export type Tx = Transaction<Database>;
/** Either the root handle or a transaction: read helpers accept both. */
export type Queryable = Kysely<Database>;

export interface Store {
  db: Db;
  dialect: Dialect;
  url: string;
  close(): Promise<void>;
  /**
   * SQLite only: a token that changes whenever the database may have changed (a write statement run by this
   * process, or a commit by another connection, e.g. the CLI). Read caches key their entries by it. Undefined on
   * PostgreSQL, where other servers may write at any time: caches there key on a licence's `agents_version`
   * instead (read per request, see src/agents/response-cache.ts).
   */
  changeToken?: () => string;
  /** Creation timestamps of this store (see `CreationClock`). */
  readonly clock: CreationClock;
  /** PostgreSQL: the connection pool (for pool metrics). */
  readonly pool?: pg.Pool;
}

/**
 * A creation timestamp that strictly increases per store (at least 1 ms after the previous one), so lists "in
 * creation order" (created_at, then id) keep that order for rows created in the same millisecond, e.g. the items of
 * one batch call. Runs ahead of the clock only during bursts of more than 1,000 creations a second.
 */
export class CreationClock {
  private last = 0;
  next(): string {
    this.last = Math.max(Date.now(), this.last + 1);
    return new Date(this.last).toISOString();
  }
}

/** The store a query handle (root or transaction) belongs to; they share one dialect adapter. */
const storesByAdapter = new WeakMap<object, Store>();
export function storeOf(db: Queryable): Store {
  const store = storesByAdapter.get(db.getExecutor().adapter);
  if (!store) throw new Error('query handle of no open store');
  return store;
}
export const dialectOf = (db: Queryable): Dialect => storeOf(db).dialect;

/** Upper bound of prepared statements kept per SQLite connection (queries are parameterised, so few distinct SQL texts). */
export const STATEMENT_CACHE_SIZE = 1000;

/**
 * Reuse prepared statements: better-sqlite3 `prepare` parses and plans the SQL on every call (tens of µs for a
 * 24-column table), and Kysely calls it for every query. Statements are re-run synchronously, one at a time (Kysely
 * holds the single connection per query or transaction), and SQLite re-prepares them itself after schema changes.
 * Every statement that may write (BEGIN and COMMIT included) bumps `writes`, which feeds `Store.changeToken`.
 */
function cacheStatements(database: SQLite.Database): { writes: () => number } {
  const cache = new Map<string, SQLite.Statement>();
  const prepare = database.prepare.bind(database);
  let writes = 0;
  database.prepare = ((source: string) => {
    let stmt = cache.get(source);
    if (stmt?.busy) stmt = prepare(source); // still iterating (a stream): use a fresh one, keep the cached one
    else if (!stmt) {
      stmt = prepare(source);
      if (cache.size >= STATEMENT_CACHE_SIZE) cache.delete(cache.keys().next().value!);
      cache.set(source, stmt);
    }
    if (!stmt.readonly) writes++; // `readonly`, not `reader`: INSERT … RETURNING is a reader that writes
    return stmt;
  }) as typeof database.prepare;
  return { writes: () => writes };
}

/** Upper bound of named prepared statements per PostgreSQL connection; further SQL texts run unnamed. */
export const PG_STATEMENTS_PER_CONNECTION = 500;

/** Distinct SQL texts given a name per store (the name map itself stays bounded). */
const PG_STATEMENT_NAMES = 10_000;

/**
 * Makes a pg client run parameterised queries as named prepared statements: PostgreSQL then parses and plans each
 * SQL text once per connection instead of on every call (Kysely sends text + values, which pg runs as an unnamed
 * statement, parsed and planned anew each time). Queries without parameters (BEGIN, COMMIT, DDL) keep the simple
 * protocol. Names are shared by all connections (one per distinct text); a connection that already holds
 * PG_STATEMENTS_PER_CONNECTION statements runs further texts unnamed, so memory stays bounded even for queries whose
 * text varies (`in` lists of varying length).
 */
function prepareStatements(client: pg.PoolClient, perConnection: number, statementNames: Map<string, string>): void {
  const query = client.query.bind(client) as (...args: unknown[]) => unknown;
  const named = new Set<string>(); // names this connection has used (pg itself decides when to send Parse)
  client.query = ((...args: unknown[]) => {
    const [text, values] = args;
    if (args.length !== 2 || typeof text !== 'string' || !Array.isArray(values) || values.length === 0) {
      return query(...args);
    }
    let name = statementNames.get(text);
    if (name === undefined && statementNames.size < PG_STATEMENT_NAMES) {
      statementNames.set(text, (name = `s${statementNames.size + 1}`));
    }
    if (name === undefined || (!named.has(name) && named.size >= perConnection)) return query(text, values);
    named.add(name);
    return query({ name, text, values });
  }) as typeof client.query;
}

// int8 (COUNT(*), bigint) as JS numbers; values stay far below 2^53.
pg.types.setTypeParser(20, (v: string) => Number.parseInt(v, 10));

export interface StoreOptions {
  /** PostgreSQL connections (DATABASE_POOL_SIZE). */
  poolSize?: number;
  statementsPerConnection?: number;
  sqliteSynchronous?: DatabaseConfig['sqliteSynchronous'];
}

/** Open the store a DATABASE_URL names (see `parseDatabaseUrl`); nothing is read from the environment. */
export function openStore(url: string = DEFAULT_DATABASE_URL, opts: StoreOptions = {}): Store {
  const target = parseDatabaseUrl(url);
  if (!target) throw new Error(`DATABASE_URL names no supported store: ${redactUrl(url)}`);
  let store: Store;
  if (target.kind === 'postgres') {
    const pool = new pg.Pool({ connectionString: url, max: opts.poolSize ?? 10 });
    const perConnection = opts.statementsPerConnection ?? PG_STATEMENTS_PER_CONNECTION;
    const statementNames = new Map<string, string>();
    pool.on('connect', (client) => prepareStatements(client, perConnection, statementNames));
    pool.on('error', () => {
      /* idle client errors are reported on the next query */
    });
    const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
    store = { db, dialect: 'postgres', url, clock: new CreationClock(), pool, close: () => db.destroy() };
  } else {
    const file = target.file!;
    if (file !== ':memory:') mkdirSync(dirname(file), { recursive: true });
    const database = new SQLite(file, { timeout: 5000 });
    database.pragma('journal_mode = WAL');
    database.pragma(`synchronous = ${opts.sqliteSynchronous ?? 'NORMAL'}`);
    database.pragma('foreign_keys = ON');
    const dataVersion = database.prepare('PRAGMA data_version').pluck(); // prepared before caching: pluck() mutates it
    const statements = cacheStatements(database);
    const db = new Kysely<Database>({ dialect: new SqliteDialect({ database }) });
    store = {
      db,
      dialect: 'sqlite',
      url,
      clock: new CreationClock(),
      close: () => db.destroy(),
      changeToken: () => `${statements.writes()}:${dataVersion.get() as number}`,
    };
  }
  storesByAdapter.set(store.db.getExecutor().adapter, store);
  return store;
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

/**
 * Serialise writers of one licence: on PostgreSQL a row lock on the licence, held to the end of the transaction.
 * SQLite has one writer at a time already.
 */
export async function lockLicense(trx: Queryable, licenseId: number): Promise<void> {
  if (dialectOf(trx) !== 'postgres') return;
  await sql`SELECT id FROM licenses WHERE id = ${licenseId} FOR UPDATE`.execute(trx);
}

/**
 * Serialise writers that enforce a per-application limit (bot templates, webhooks per action): on PostgreSQL a row
 * lock on the application, held to the end of the transaction. SQLite has one writer at a time already.
 */
export async function lockApplication(trx: Queryable, clientId: string): Promise<void> {
  if (dialectOf(trx) !== 'postgres') return;
  await sql`SELECT client_id FROM applications WHERE client_id = ${clientId} FOR UPDATE`.execute(trx);
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
  /** Serialise writers of this licence (see `lockLicense`). */
  licenseId?: number;
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
    if (opts.licenseId !== undefined) await lockLicense(trx, opts.licenseId);
    return fn(trx);
  });
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
