import { PostgresAdapter, sql, type Kysely } from 'kysely';

/**
 * What the nodes of one PostgreSQL database share besides the configuration (issue 23): the rate-limit and
 * failed-authentication counters, the control plane's fault rules and request journal, and web console sessions.
 * Each table has one owner module in src/shared-state/ (the PostgreSQL implementation of its piece).
 *
 * PostgreSQL only: a SQLite database belongs to one process, which keeps all of this in memory (the memory
 * implementations of src/shared-state/), so SQLite gets no such tables.
 *
 * The counters and the journal are UNLOGGED: written on every limited request or batched call, they skip the WAL (no
 * flush per statement); after a crash of PostgreSQL (not a clean restart) they start empty, and standbys do not have
 * them — open windows and recent calls, not data. Fault rules and console sessions are ordinary tables: they survive
 * anything the configuration survives. Times are the database's clock (`timestamptz`), so nodes with skewed clocks
 * still agree on windows and expiries.
 */
const UNLOGGED = sql`unlogged`;

export async function up(db: Kysely<unknown>): Promise<void> {
  if (!(db.getExecutor().adapter instanceof PostgresAdapter)) return;
  const s = db.schema;
  await s
    .createTable('rate_limit_counters')
    .modifyFront(UNLOGGED)
    .addColumn('key', 'text', (c) => c.primaryKey())
    .addColumn('hits', 'integer', (c) => c.notNull())
    .addColumn('granted', 'integer', (c) => c.notNull())
    .addColumn('window_ends', 'timestamptz', (c) => c.notNull())
    .execute();
  await s.createIndex('rate_limit_counters_window_ends').on('rate_limit_counters').column('window_ends').execute();
  await s
    .createTable('auth_failures')
    .modifyFront(UNLOGGED)
    .addColumn('address', 'text', (c) => c.primaryKey())
    .addColumn('failures', 'integer', (c) => c.notNull())
    .addColumn('window_ends', 'timestamptz', (c) => c.notNull())
    .execute();
  await s.createIndex('auth_failures_window_ends').on('auth_failures').column('window_ends').execute();
  await s
    .createTable('fault_rules')
    .addColumn('id', 'bigint', (c) => c.generatedAlwaysAsIdentity().primaryKey())
    .addColumn('rule', 'text', (c) => c.notNull())
    .addColumn('remaining', 'integer')
    .addColumn('applied', 'integer', (c) => c.notNull().defaultTo(0))
    .execute();
  await s
    .createTable('request_journal')
    .modifyFront(UNLOGGED)
    .addColumn('seq', 'bigint', (c) => c.generatedAlwaysAsIdentity().primaryKey())
    .addColumn('time', 'text', (c) => c.notNull())
    .addColumn('request_id', 'text', (c) => c.notNull())
    .addColumn('action', 'text', (c) => c.notNull())
    .addColumn('version', 'text', (c) => c.notNull())
    .addColumn('caller_kind', 'text')
    .addColumn('license_id', 'integer')
    .addColumn('agent_id', 'text')
    .addColumn('status', 'integer', (c) => c.notNull())
    .addColumn('error_type', 'text')
    .addColumn('duration_ms', 'double precision', (c) => c.notNull())
    .addColumn('request_body', 'text')
    .addColumn('response_body', 'text')
    .execute();
  await s.createIndex('request_journal_request_id').on('request_journal').column('request_id').execute();
  await s.createIndex('request_journal_license').on('request_journal').columns(['license_id', 'seq']).execute();
  await s
    .createTable('console_sessions')
    .addColumn('token_hash', 'text', (c) => c.primaryKey())
    .addColumn('expires_at', 'timestamptz', (c) => c.notNull())
    .addColumn('last_seen_at', 'timestamptz', (c) => c.notNull())
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  if (!(db.getExecutor().adapter instanceof PostgresAdapter)) return;
  for (const table of ['console_sessions', 'request_journal', 'fault_rules', 'auth_failures', 'rate_limit_counters']) {
    await db.schema.dropTable(table).execute();
  }
}
