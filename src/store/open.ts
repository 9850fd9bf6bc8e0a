/**
 * Opening the store a DATABASE_URL names — a Kysely instance over better-sqlite3 (default, a WAL file under ./data;
 * sqlite.ts) or pg (DATABASE_URL=postgres://…; postgres.ts), the same migrations and queries for both — and checking
 * that it answers.
 */
import { sql } from 'kysely';
import { DEFAULT_DATABASE_URL, parseDatabaseUrl, redactUrl, type DatabaseConfig } from '../config.js';
import { nowIso, type Store, type StoreOptions } from './store.js';
import { openSqlite } from './sqlite.js';
import { openPostgres } from './postgres.js';
import { StoreHealth } from './health.js';
import { writeSetting } from './own-tables.js';

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
  return store;
}

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
    const database = JSON.stringify(decodeURIComponent(u.pathname.slice(1)) || u.username || 'postgres');
    // A Unix socket: its directory as the host (`%2Fvar%2Frun%2Fpostgresql`) or in `?host=` (docs: DATABASE_URL).
    const host = u.searchParams.get('host') ?? decodeURIComponent(u.hostname);
    if (host.startsWith('/')) return `PostgreSQL at Unix socket ${host}/.s.PGSQL.${u.port || '5432'}, database ${database}`;
    return `PostgreSQL at ${u.hostname || 'localhost'}:${u.port || '5432'}, database ${database}`;
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
