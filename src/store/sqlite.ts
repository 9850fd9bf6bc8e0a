/** SQLite (better-sqlite3, WAL): opening a file or `:memory:`, and this dialect's statement cache. */
import { closeSync, mkdirSync, openSync, readSync } from 'node:fs';
import { dirname } from 'node:path';
import SQLite from 'better-sqlite3';
import { Kysely, SqliteDialect, type Driver } from 'kysely';
import type { Database } from './schema.js';
import { CreationClock, type Store, type StoreOptions } from './store.js';
import { observeDialect, type StoreHealth } from './health.js';

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

/**
 * SQLite rolls a transaction back by itself on some errors (a full disk, an I/O error); Kysely's ROLLBACK then fails
 * with "no transaction is active" and that error replaces the one that explains the failure. Roll back only what
 * is still open.
 */
class AutoRollbackAwareDialect extends SqliteDialect {
  constructor(private readonly config: { database: SQLite.Database }) {
    super(config);
  }
  override createDriver(): Driver {
    const driver = super.createDriver();
    const rollback = driver.rollbackTransaction.bind(driver);
    driver.rollbackTransaction = async (connection) => {
      if (this.config.database.inTransaction) await rollback(connection);
    };
    return driver;
  }
}

/** Both copies of the WAL-index header at the start of the `-shm` file (2 × 48 bytes, sqlite.org/walformat.html). */
const WAL_INDEX_HEADERS = 96;

/**
 * A number that moves whenever any connection commits to the database (another process's included), read from the
 * WAL index instead of running `PRAGMA data_version` (a statement: a read transaction and shared-memory locks, several
 * µs on every cached read). Every commit rewrites the WAL-index header (its change counter `iChange` and `mxFrame`)
 * in the `-shm` file, which SQLite maps shared: a `pread` of its first bytes sees what the next reader of any
 * connection will see (the header copy readers trust is written last, so a commit is visible to nobody before these
 * bytes change; a torn read only moves the number once more). The file exists as long as a connection uses the
 * database in WAL mode (ours does until close). Undefined where there is no such file (`:memory:`): callers fall back
 * to the pragma.
 */
function walIndexCommits(file: string): { read: () => number; close: () => void } | undefined {
  let fd: number;
  try {
    fd = openSync(`${file}-shm`, 'r');
  } catch {
    return undefined;
  }
  const now = Buffer.alloc(WAL_INDEX_HEADERS);
  const seen = Buffer.alloc(WAL_INDEX_HEADERS);
  let commits = 0;
  return {
    read: () => {
      if (fd < 0) throw new Error('The database connection is not open');
      readSync(fd, now, 0, WAL_INDEX_HEADERS, 0);
      if (!now.equals(seen)) {
        now.copy(seen);
        commits++;
      }
      return commits;
    },
    close: () => {
      if (fd < 0) return;
      const open = fd;
      fd = -1; // never read nor closed again: the number may be reused by another file
      closeSync(open);
    },
  };
}

export function openSqlite(url: string, file: string, opts: StoreOptions, health: StoreHealth): Store {
  if (file !== ':memory:') mkdirSync(dirname(file), { recursive: true });
  const database = new SQLite(file, { timeout: 5000 });
  database.pragma('journal_mode = WAL');
  database.pragma(`synchronous = ${opts.sqliteSynchronous ?? 'NORMAL'}`);
  database.pragma('foreign_keys = ON');
  const dataVersion = database.prepare('PRAGMA data_version').pluck(); // prepared before caching: pluck() mutates it
  dataVersion.get(); // a first read: the connection maps the WAL index (creates `-shm`) before we open it
  // Only in WAL mode (a file system without shared memory may refuse it): else a stale `-shm` would never move.
  const wal = file === ':memory:' || database.pragma('journal_mode', { simple: true }) !== 'wal' ? undefined : walIndexCommits(file);
  const commits = wal?.read ?? (() => dataVersion.get() as number);
  const statements = cacheStatements(database);
  const db = new Kysely<Database>({ dialect: observeDialect(new AutoRollbackAwareDialect({ database }), health) });
  return {
    db,
    dialect: 'sqlite',
    url,
    clock: new CreationClock(),
    health,
    close: async () => {
      health.close();
      try {
        await db.destroy();
      } finally {
        wal?.close();
      }
    },
    changeToken: () => `${statements.writes()}:${commits()}`,
    otherCommits: () => dataVersion.get() as number,
  };
}
