/**
 * Test harness: every API suite runs against both stores through the real HTTP server (Fastify inject).
 * SQLite: a fresh file in a temp dir. PostgreSQL: a fresh database per harness on 127.0.0.1:5432 (a copy of a migrated
 * template database), dropped after.
 * Under CI=true the PostgreSQL suite is required: an unreachable server fails the run instead of skipping.
 */
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, readdirSync, readFileSync, renameSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, before, after } from 'node:test';
import pg from 'pg';
import type { FastifyInstance } from 'fastify';
import { openStore } from '../../src/store/open.js';
import { migrate } from '../../src/store/migrate.js';
import type { Store } from '../../src/store/store.js';
import { createApp } from '../../src/app.js';
import { createCore, type Core } from '../../src/core.js';
import type { Area } from '../../src/kernel/area.js';
import { loadConfig, type Config } from '../../src/config.js';

/**
 * The configuration tests run with: the defaults, no token-lookup cache (tests change roles and credentials and
 * check the next call at once), no failed-authentication limit (tests send invalid credentials on purpose; suites
 * that test the limit set it), and the given variables.
 */
export const testConfig = (env: Record<string, string> = {}): Config =>
  loadConfig({ AUTH_CACHE_TTL_MS: '0', AUTH_FAILURE_LIMIT: '0', ...env });
import { bootstrap, type BootstrapResult, type BootstrapOptions } from '../../src/provisioning/bootstrap.js';
import { createApplication, installApplication } from '../../src/provisioning/applications.js';
import { basicAuth, insertAccessToken, insertPat } from '../../src/tenancy/credentials.js';
import { ALL_SCOPES } from '../../src/kernel/scopes.js';
import { SigningKeys, newSecret } from '../../src/kernel/signing-keys.js';
import { HOST_TAG, createDatabase, databaseOwner, withClient, type ThrowAwayDatabase } from './database.js';
import { ROOT, processAlive } from './processes.js';
import { checkAnswer } from './response-check.js';

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

export interface CallResult<T = any> {
  status: number;
  body: T;
}

export interface CallOptions {
  token?: string | null;
  /** Full Authorization header value (overrides token). */
  authorization?: string;
  headers?: Record<string, string>;
  version?: string;
}

export class Harness {
  app!: FastifyInstance;
  store!: Store;
  /** The licence every test starts with: owner with every scope, bearer token and PAT. */
  boot!: BootstrapResult;
  region = 'dal';
  config!: Config;
  /** The app's core: changes made through it are seen by the app as its own (commit signals, event log mode). */
  core!: Core;
  /** The keys signing this harness's bot tokens (checked and recorded like configured keys; pass them to a second app on the database). */
  signingKeys = SigningKeys.fromSecrets([newSecret()]);
  private dropDb?: () => Promise<void>;

  constructor(readonly kind: StoreKind) {}

  /**
   * `eventLog` defaults to `all` here: suites read the stored events (webhook_events) to check which event each
   * action records, whether or not a webhook subscribes to it.
   */
  async start(
    opts: {
      region?: string;
      rateLimit?: { max: number; windowMs: number };
      eventLog?: 'subscribed' | 'all';
      /** More configuration variables (see src/config.ts), e.g. fastRetries(). */
      env?: Record<string, string>;
      /** The areas the app serves (default: all, see src/areas.ts). */
      areas?: readonly Area[];
    } = {},
  ): Promise<this> {
    this.region = opts.region ?? 'dal';
    this.config = testConfig({
      REGION: this.region,
      WEBHOOK_EVENT_LOG: opts.eventLog ?? 'all',
      ...(opts.rateLimit ? { RATE_LIMIT_MAX: String(opts.rateLimit.max), RATE_LIMIT_WINDOW_MS: String(opts.rateLimit.windowMs) } : {}),
      ...opts.env,
    });
    const fresh = await freshStore(this.kind);
    this.store = fresh.store;
    this.dropDb = fresh.drop;
    this.core = createCore(this.store, this.config, opts.areas, this.signingKeys);
    this.app = await createApp({ core: this.core, logger: false });
    await this.app.ready();
    this.boot = await this.bootstrap();
    return this;
  }

  async stop(): Promise<void> {
    await this.app?.close();
    await this.dropDb?.();
  }

  bootstrap(o: Partial<BootstrapOptions> = {}): Promise<BootstrapResult> {
    return this.core.transaction((tx) => bootstrap(tx, this.core.cascades, { region: this.region, ...o }));
  }

  /** POST an action as the bootstrap owner (or with the given token / Authorization header). */
  async call<T = any>(action: string, body?: unknown, opts: CallOptions = {}): Promise<CallResult<T>> {
    const token = opts.token === undefined ? this.boot.bearer_token : opts.token;
    const headers: Record<string, string> = { 'content-type': 'application/json', ...(opts.headers ?? {}) };
    if (opts.authorization) headers.authorization = opts.authorization;
    else if (token) headers.authorization = `Bearer ${token}`;
    const res = await this.app.inject({
      method: 'POST',
      url: `/${opts.version ?? 'v3.5'}/configuration/action/${action}`,
      headers,
      payload: body === undefined ? '' : typeof body === 'string' ? body : JSON.stringify(body),
    });
    const parsed = res.body ? JSON.parse(res.body) : undefined;
    // The answer must match the published contract (response schema of the action, or the error format).
    checkAnswer(this.app.registry, opts.version ?? 'v3.5', action, res.statusCode, parsed);
    return { status: res.statusCode, body: parsed };
  }

  /** Call and assert 200; returns the body. */
  async ok<T = any>(action: string, body?: unknown, opts: CallOptions = {}): Promise<T> {
    const res = await this.call<T>(action, body, opts);
    if (res.status !== 200) {
      throw new Error(`${action} failed with ${res.status}: ${JSON.stringify(res.body)}`);
    }
    return res.body;
  }

  /** Create an agent through the API (as the owner) and return a bearer token for it with the given scopes. */
  async agentWithToken(
    id: string,
    scopes: readonly string[],
    o: { role?: string; clientId?: string | null; licenseId?: number; groups?: { id: number; priority: string }[] } = {},
  ): Promise<{ token: string; accountId: string }> {
    await this.ok('create_agent', { id, name: id.split('@')[0], role: o.role ?? 'normal', ...(o.groups ? { groups: o.groups } : {}) });
    return this.tokenFor(id, scopes, o);
  }

  /** A bearer token for an existing agent or bot of the licence. */
  async tokenFor(
    id: string,
    scopes: readonly string[],
    o: { clientId?: string | null; licenseId?: number } = {},
  ): Promise<{ token: string; accountId: string }> {
    const licenseId = o.licenseId ?? this.boot.license_id;
    const row = await this.accountOf(id, licenseId);
    const token = await insertAccessToken(this.store.db, {
      licenseId,
      accountId: row.account_id,
      clientId: o.clientId === undefined ? this.boot.client_id : o.clientId,
      scopes,
      region: this.region,
    });
    return { token, accountId: row.account_id };
  }

  private accountOf(id: string, licenseId: number): Promise<{ account_id: string }> {
    return this.store.db
      .selectFrom('agents')
      .select('account_id')
      .where('license_id', '=', licenseId)
      .where('id', '=', id)
      .executeTakeFirstOrThrow();
  }

  /** An `Authorization: Basic …` header value for a PAT of the given agent. */
  async patFor(id: string, scopes: readonly string[] = ALL_SCOPES, licenseId = this.boot.license_id): Promise<string> {
    const row = await this.accountOf(id, licenseId);
    const pat = await insertPat(this.store.db, { licenseId, accountId: row.account_id, scopes });
    return `Basic ${basicAuth(row.account_id, pat)}`;
  }
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

/**
 * Declare a suite that runs once per store (or per store of `kinds`). `fn` receives a getter for the started harness.
 * PostgreSQL is skipped (with a reason) only when it is unreachable and CI is not set.
 */
export function describeStores(
  name: string,
  fn: (h: () => Harness) => void,
  startOptions: Parameters<Harness['start']>[0] = {},
  kinds: readonly StoreKind[] = ['sqlite', 'postgres'],
): void {
  for (const kind of kinds) {
    describe(`${name} [${kind}]`, async () => {
      if (kind === 'postgres' && !(await postgresOrSkip())) return;
      const harness = new Harness(kind);
      before(async () => {
        await harness.start(startOptions);
      });
      after(async () => {
        await harness.stop();
      });
      fn(() => harness);
    });
  }
}

/** Expect an error response of the given type (and status per the README table). */
export function expectError(res: CallResult, type: string, status?: number): void {
  const got = res.body?.error?.type;
  if (got !== type || (status !== undefined && res.status !== status)) {
    throw new Error(`expected ${type}${status ? ` (${status})` : ''}, got ${res.status} ${JSON.stringify(res.body)}`);
  }
}

// ---------------------------------------------------------------- recorded webhook events (eventLog: all)

export interface RecordedEvent {
  action: string;
  payload: any;
  source_client_id: string | null;
}

/** Events of one licence recorded after sequence number `after`, oldest first (optionally one action only). */
export async function eventsSince(h: Harness, after: number, action?: string, licenseId = h.boot.license_id): Promise<RecordedEvent[]> {
  let q = h.store.db
    .selectFrom('webhook_events')
    .select(['action', 'payload', 'source_client_id', 'seq'])
    .where('license_id', '=', licenseId)
    .where('seq', '>', after);
  if (action) q = q.where('action', '=', action);
  const rows = await q.orderBy('seq').execute();
  return rows.map((r) => ({ action: r.action, payload: JSON.parse(r.payload), source_client_id: r.source_client_id }));
}

/** The last recorded sequence number of the licence (0 when none). */
export async function lastSeq(h: Harness, licenseId = h.boot.license_id): Promise<number> {
  const row = await h.store.db
    .selectFrom('webhook_events')
    .select((eb) => eb.fn.max('seq').as('seq'))
    .where('license_id', '=', licenseId)
    .executeTakeFirst();
  return Number(row?.seq ?? 0);
}

/** A new group through the API (the owner as its only member); returns its id. */
export async function newGroup(h: Harness, name = 'Group'): Promise<number> {
  const res = await h.ok('create_group', { name, agent_priorities: { [h.boot.owner.id]: 'normal' } });
  return res.id as number;
}

/** A new application of the organization (default: the bootstrap one), optionally installed on licences. */
export async function newApp(h: Harness, o: { organizationId?: string; install?: number[] } = {}): Promise<string> {
  return h.core.transaction(async (tx) => {
    const { client_id: clientId } = await createApplication(tx, h.core.cascades, { organizationId: o.organizationId ?? h.boot.organization_id, name: 'Test app' });
    for (const lic of o.install ?? []) await installApplication(tx, h.core.cascades, clientId, lic);
    return clientId;
  });
}

export async function install(h: Harness, clientId: string, licenseId: number): Promise<boolean> {
  return h.core.transaction((tx) => installApplication(tx, h.core.cascades, clientId, licenseId));
}
