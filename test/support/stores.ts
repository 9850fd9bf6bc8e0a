/**
 * Throw-away stores for tests: the configuration tests run with, whether PostgreSQL answers, and fresh migrated
 * databases. SQLite: a copy of a migrated file in a temp dir. PostgreSQL: a copy of a migrated template database on
 * 127.0.0.1:5432 (or one an earlier suite of this process used, emptied), handed back or dropped after.
 * Under CI=true PostgreSQL is required: an unreachable server fails the run instead of skipping.
 */
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, readdirSync, readFileSync, renameSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe } from 'node:test';
import pg from 'pg';
import { openStore } from '../../src/store/open.js';
import { migrate } from '../../src/store/migrate.js';
import type { Store } from '../../src/store/store.js';
import { loadConfig, type Config } from '../../src/config.js';
import { HOST_TAG, createDatabase, databaseOwner, withClient, type ThrowAwayDatabase } from './database.js';
import { ROOT, processAlive } from './processes.js';

/**
 * The configuration tests run with: the defaults, no token-lookup cache (tests change roles and credentials and
 * check the next call at once), no failed-authentication limit (tests send invalid credentials on purpose; suites
 * that test the limit set it), and the given variables.
 */
export const testConfig = (env: Record<string, string> = {}): Config =>
  loadConfig({ AUTH_CACHE_TTL_MS: '0', AUTH_FAILURE_LIMIT: '0', ...env });

export type StoreKind = 'sqlite' | 'postgres';
export const PG_ADMIN_URL = process.env.PG_TEST_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

let pgAvailable: Promise<boolean> | undefined;
export function postgresAvailable(): Promise<boolean> {
  // A loaded machine (several test processes on two cores) can take seconds to accept a connection: a refusal is
  // final, a slow answer is tried again before PostgreSQL is declared unavailable.
  pgAvailable ??= (async () => {
    for (let attempt = 1; ; attempt++) {
      const client = new pg.Client({ connectionString: PG_ADMIN_URL, connectionTimeoutMillis: 10_000 });
      try {
        await client.connect();
        await client.query('SELECT 1');
        return true;
      } catch (err) {
        if ((err as { code?: string }).code === 'ECONNREFUSED' || attempt === 3) return false;
      } finally {
        await client.end().catch(() => {});
      }
    }
  })();
  return pgAvailable;
}

/** A fresh, empty database URL for the given store kind, and a function that removes it. */
export function freshDatabase(kind: StoreKind): Promise<ThrowAwayDatabase> {
  return createDatabase(kind, { purpose: 'test', pgAdminUrl: PG_ADMIN_URL });
}

/** A hash of the migration sources: templates built from other migrations are never used. */
function migrationsHash(): string {
  const dir = join(ROOT, 'src/store/migrations');
  const hash = createHash('sha256');
  for (const file of readdirSync(dir).sort()) hash.update(file).update(readFileSync(join(dir, file)));
  return hash.digest('hex').slice(0, 16);
}

let pgTemplate: Promise<string> | undefined;
/**
 * A migrated PostgreSQL database to copy test databases from (CREATE DATABASE … TEMPLATE copies files: much faster
 * than running the migrations for every suite). Named after a hash of the migration sources, so a changed migration
 * gets a new template; built once, under an advisory lock, by whichever test process comes first. Under the same
 * lock, test databases that test processes of this host left behind (killed before they could drop them) are dropped.
 */
function migratedPgTemplate(): Promise<string> {
  pgTemplate ??= withClient(PG_ADMIN_URL, async (admin) => {
    const name = `config_api_template_${migrationsHash()}`;
    await admin.query("SELECT pg_advisory_lock(hashtext('config_api_test_template'))"); // released with the connection
    await dropAbandonedDatabases(admin);
    const exists = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (exists.rowCount === 0) {
      const build = await createDatabase('postgres', { purpose: 'template', pgAdminUrl: PG_ADMIN_URL });
      await migrateDatabase(build.url);
      await admin.query(`ALTER DATABASE ${new URL(build.url).pathname.slice(1)} RENAME TO ${name}`);
    }
    return name;
  });
  return pgTemplate;
}

/** Run the migrations on the database at `url` and close it (for SQLite: its WAL checkpointed into the file). */
async function migrateDatabase(url: string): Promise<void> {
  const store = openStore(url, { poolSize: 1 });
  try {
    await migrate(store);
  } finally {
    await store.close();
  }
}

/** Test databases of this host whose process is gone (and that nobody is connected to). */
async function dropAbandonedDatabases(admin: pg.Client): Promise<void> {
  const { rows } = await admin.query<{ name: string }>("SELECT datname AS name FROM pg_database WHERE datname LIKE 'config\\_api\\_test\\_%'");
  for (const { name } of rows) {
    const owner = databaseOwner(name);
    if (!owner || owner.host !== HOST_TAG || processAlive(owner.pid)) continue;
    await admin.query(`DROP DATABASE IF EXISTS ${pg.escapeIdentifier(name)}`).catch(() => {}); // in use: not abandoned
  }
}

let sqliteTemplate: Promise<string> | undefined;
/**
 * A migrated SQLite file to copy test databases from, in the temp directory, named after the migration hash: built
 * once (to a private name, then renamed into place, so concurrent test processes never see half a file).
 */
function migratedSqliteTemplate(): Promise<string> {
  sqliteTemplate ??= (async () => {
    const path = join(tmpdir(), `config-api-test-template-${migrationsHash()}.sqlite`);
    if (!existsSync(path)) {
      const build = `${path}.${process.pid}.tmp`;
      await migrateDatabase(`sqlite:${build}`);
      renameSync(build, path);
    }
    return path;
  })();
  return sqliteTemplate;
}

/**
 * PostgreSQL databases of finished suites, emptied, waiting for the next suite of this process: emptying one takes a
 * few milliseconds where creating a copy of the template takes ~0.4 s of the server's time. Dropped when the process
 * is about to exit.
 */
const sparePgDatabases: ThrowAwayDatabase[] = [];
let dropSparesAtExit = false;
/** The schema of a fresh copy of the template (read from the first copy this process makes). */
let templateShape: Promise<string> | undefined;

async function migratedPgDatabase(): Promise<ThrowAwayDatabase> {
  const spare = sparePgDatabases.pop();
  if (spare) return spare;
  const db = await createDatabase('postgres', { purpose: 'test', pgAdminUrl: PG_ADMIN_URL, pgTemplate: await migratedPgTemplate() });
  templateShape ??= withClient(db.url, schemaShape);
  await templateShape;
  return db;
}

/**
 * Hand a suite's PostgreSQL database back: empty it for the next suite if its schema (tables, columns, indexes,
 * triggers, functions, applied migrations) is still the template's — a suite may have changed it on purpose —
 * otherwise drop it.
 */
async function releasePgDatabase(db: ThrowAwayDatabase): Promise<void> {
  try {
    await withClient(db.url, async (c) => {
      await c.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()');
      if ((await schemaShape(c)) !== (await templateShape)) throw new Error('the schema is not the template\'s');
      await deleteAllRows(c);
    });
  } catch {
    await db.drop();
    return;
  }
  sparePgDatabases.push(db);
  if (!dropSparesAtExit) {
    dropSparesAtExit = true;
    // After the test runner has reported (its own beforeExit listener runs first); the process exits once they are gone.
    process.once('beforeExit', () => {
      void Promise.all(sparePgDatabases.splice(0).map((d) => d.drop().catch(() => {})));
    });
  }
}

/** A digest of the database's schema and applied migrations. */
async function schemaShape(c: pg.Client): Promise<string> {
  const { rows } = await c.query<{ shape: string }>(`
    SELECT md5(concat_ws('|',
      (SELECT string_agg(concat_ws(':', table_name, column_name, data_type, is_nullable, column_default), ',' ORDER BY table_name, ordinal_position)
         FROM information_schema.columns WHERE table_schema = 'public'),
      (SELECT string_agg(indexdef, ',' ORDER BY indexname) FROM pg_indexes WHERE schemaname = 'public'),
      (SELECT string_agg(concat_ws(':', t.tgname, t.tgenabled, t.tgrelid::regclass::text), ',' ORDER BY t.tgname)
         FROM pg_trigger t JOIN pg_class r ON r.oid = t.tgrelid WHERE r.relnamespace = 'public'::regnamespace AND NOT t.tgisinternal),
      (SELECT string_agg(p.proname || md5(p.prosrc), ',' ORDER BY p.proname) FROM pg_proc p WHERE p.pronamespace = 'public'::regnamespace),
      (SELECT string_agg(name, ',' ORDER BY name) FROM kysely_migration)
    )) AS shape`);
  return rows[0]!.shape;
}

/**
 * Delete every row a suite left (a copy of the template has none outside the migration tables): children before
 * parents (foreign keys), in one transaction.
 */
async function deleteAllRows(c: pg.Client): Promise<void> {
  const { rows: references } = await c.query<{ child: string; parent: string }>(
    `SELECT conrelid::regclass::text AS child, confrelid::regclass::text AS parent FROM pg_constraint
      WHERE contype = 'f' AND conrelid <> confrelid AND connamespace = 'public'::regnamespace`,
  );
  const tables = (
    await c.query<{ name: string }>("SELECT tablename AS name FROM pg_tables WHERE schemaname = 'public' AND tablename NOT LIKE 'kysely\\_migration%'")
  ).rows.map((r) => r.name);
  const order: string[] = []; // a table after every table that references it
  const visit = (t: string, path: Set<string>) => {
    if (order.includes(t) || path.has(t)) return;
    path.add(t);
    for (const r of references) if (r.parent === t) visit(r.child, path);
    order.push(t);
  };
  for (const t of tables.sort()) visit(t, new Set());
  await c.query(`BEGIN; ${order.map((t) => `DELETE FROM ${pg.escapeIdentifier(t)};`).join(' ')} COMMIT;`);
}

/**
 * A migrated store on a fresh database (a copy of a migrated template: for PostgreSQL possibly one an earlier suite
 * of this process used, emptied); `drop()` closes it and removes (or hands back) the database.
 */
export async function freshStore(kind: StoreKind, poolSize = 5): Promise<{ store: Store; drop(): Promise<void> }> {
  let db: ThrowAwayDatabase;
  let release: () => Promise<void>;
  if (kind === 'postgres') {
    db = await migratedPgDatabase();
    release = () => releasePgDatabase(db);
  } else {
    db = await freshDatabase('sqlite');
    copyFileSync(await migratedSqliteTemplate(), db.url.slice('sqlite:'.length));
    release = () => db.drop();
  }
  // A copy of a migrated template: nothing to migrate. Generous time-outs: a loaded test machine must not turn a slow
  // pool into 503 answers (test/ops/outage.test.ts checks the real bounds on server processes).
  const store = openStore(db.url, { poolSize, connectTimeoutMs: 30_000, queryTimeoutMs: 60_000 });
  return {
    store,
    drop: async () => {
      await store.close().catch(() => {}); // a test may have closed it already
      await release();
    },
  };
}

/**
 * Inside a suite: true when PostgreSQL answers; otherwise declares a skipped suite saying why and returns false.
 * Under CI (`CI=true`) PostgreSQL is required: throws instead.
 */
export async function postgresOrSkip(): Promise<boolean> {
  if (await postgresAvailable()) return true;
  if (process.env.CI === 'true') throw new Error(`PostgreSQL is required under CI but ${PG_ADMIN_URL} does not answer`);
  describe('PostgreSQL unavailable', { skip: `no PostgreSQL at ${PG_ADMIN_URL}` }, () => {});
  return false;
}
