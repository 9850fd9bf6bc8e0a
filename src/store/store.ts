/** The store's types: what every layer holds of an open database. */
import type pg from 'pg';
import type { Kysely } from 'kysely';
import type { Database } from './schema.js';
import type { DatabaseConfig } from '../config.js';
import type { StoreHealth } from './health.js';

export type Dialect = 'sqlite' | 'postgres';
export type Db = Kysely<Database>;
/** Either the root handle or a transaction (`Tx.db`): repository functions that only query accept both. */
export type Queryable = Kysely<Database>;

export interface Store {
  db: Db;
  dialect: Dialect;
  url: string;
  close(): Promise<void>;
  /**
   * SQLite only: a token that changes whenever the database may have changed (a write statement run by this
   * process, or a commit by any connection, e.g. the CLI's, seen in the WAL index). Read caches key their entries by
   * it; reading it costs a `pread` of the WAL index, no statement. Undefined on PostgreSQL, where other servers may
   * write at any time: caches there key on the licence versions the app heard, or on a licence's `agents_version`
   * read per request (see src/kernel/read-cache.ts).
   */
  changeToken?: () => string;
  /**
   * SQLite only: a number that changes when another connection — another process, e.g. the CLI — commits to the
   * database file (`PRAGMA data_version`; this process's own commits leave it). Undefined on PostgreSQL, whose
   * processes tell each other what they commit.
   */
  otherCommits?: () => number;
  /** Creation timestamps of this store (see `CreationClock`). */
  readonly clock: CreationClock;
  /** PostgreSQL: the connection pool (for pool metrics). */
  readonly pool?: pg.Pool;
  /** Database failures seen by this store's queries, and the outage under way (see store/health.ts). */
  readonly health: StoreHealth;
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

/** The current time, RFC 3339 UTC (for `updated_at` and the like; creation times come from the `CreationClock`). */
export const nowIso = (): string => new Date().toISOString();


export interface StoreOptions {
  /** PostgreSQL connections (DATABASE_POOL_SIZE). */
  poolSize?: number;
  statementsPerConnection?: number;
  /** PostgreSQL: longest wait for a connection (DATABASE_CONNECT_TIMEOUT_MS). */
  connectTimeoutMs?: number;
  /** PostgreSQL: longest wait for a query's answer (DATABASE_QUERY_TIMEOUT_MS). */
  queryTimeoutMs?: number;
  sqliteSynchronous?: DatabaseConfig['sqliteSynchronous'];
}

