import { PostgresAdapter, sql, type Kysely, type RawBuilder } from 'kysely';

/**
 * Every licence-scoped table's primary key and unique constraints include `license_id` (docs/scaling.md: tables
 * distribute by licence on a distributed PostgreSQL, which needs the distribution column in every unique key;
 * test/architecture/distribution.test.ts checks the schema). Column order per table, chosen by its queries:
 * - `license_id` first where rows are read by licence: unsuspension requests (listed per licence, which had no
 *   index), admin snapshots, agents' account ids (authentication joins on licence and account);
 * - `license_id` last where rows are found by their own id without knowing the licence (the delivery worker's claim,
 *   finish and release, the admin and CLI delivery routes, retention): every such query keeps the same index prefix.
 * Ids were random (UUIDs, random hex) and stay so: nothing becomes duplicable in practice.
 *
 * PostgreSQL: the constraints are dropped and added again (their indexes rebuilt). SQLite cannot change a key in place:
 * each table is rebuilt from its live definition (columns, defaults, foreign keys, other unique constraints and
 * indexes read from the database, so columns added by other migrations are kept), rows copied, in one transaction.
 */
interface KeyChange {
  table: string;
  /** The new primary key (absent: unchanged). */
  primaryKey?: string[];
  /** Unique constraints replaced: the one on `was` becomes `name` on `columns`. */
  unique?: Array<{ was: string[]; name: string; columns: string[] }>;
}

const UP: KeyChange[] = [
  { table: 'agents', unique: [{ was: ['account_id'], name: 'agents_license_account', columns: ['license_id', 'account_id'] }] },
  { table: 'unsuspension_requests', primaryKey: ['license_id', 'id'] },
  { table: 'admin_snapshots', primaryKey: ['license_id', 'id'] },
  { table: 'webhook_events', primaryKey: ['id', 'license_id'] },
  {
    table: 'webhook_deliveries',
    primaryKey: ['id', 'license_id'],
    unique: [{ was: ['event_id', 'webhook_id'], name: 'webhook_deliveries_event_webhook', columns: ['event_id', 'webhook_id', 'license_id'] }],
  },
  { table: 'webhook_delivery_attempts', primaryKey: ['id', 'license_id'] },
];

/** The keys as they were (0001, 0005, 0010, 0011). */
const DOWN: KeyChange[] = [
  { table: 'agents', unique: [{ was: ['license_id', 'account_id'], name: 'agents_account_id_key', columns: ['account_id'] }] },
  { table: 'unsuspension_requests', primaryKey: ['id'] },
  { table: 'admin_snapshots', primaryKey: ['id'] },
  { table: 'webhook_events', primaryKey: ['id'] },
  {
    table: 'webhook_deliveries',
    primaryKey: ['id'],
    unique: [{ was: ['event_id', 'webhook_id', 'license_id'], name: 'webhook_deliveries_event_webhook', columns: ['event_id', 'webhook_id'] }],
  },
  { table: 'webhook_delivery_attempts', primaryKey: ['id'] },
];

export async function up(db: Kysely<unknown>): Promise<void> {
  await changeKeys(db, UP);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await changeKeys(db, DOWN);
}

async function changeKeys(db: Kysely<unknown>, changes: KeyChange[]): Promise<void> {
  if (db.getExecutor().adapter instanceof PostgresAdapter) {
    // PostgreSQL runs each migration in a transaction of its own (transactional DDL).
    for (const change of changes) await changeKeysPostgres(db, change);
    return;
  }
  // Kysely runs SQLite migrations outside a transaction: one here, so a failure leaves every table as it was.
  await db.transaction().execute(async (trx) => {
    for (const change of changes) await rebuildSqliteTable(trx, change);
  });
}

const columnList = (columns: string[]) => sql.join(columns.map((c) => sql.id(c)));

async function changeKeysPostgres(db: Kysely<unknown>, change: KeyChange): Promise<void> {
  const t = sql.table(change.table);
  const constraints = await sql<{ name: string; type: string; columns: string[] }>`
    SELECT c.conname AS name, c.contype AS type,
           ARRAY(SELECT a.attname::text FROM unnest(c.conkey) WITH ORDINALITY AS k(attnum, n)
                   JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.attnum ORDER BY k.n) AS columns
      FROM pg_constraint c
     WHERE c.conrelid = ${change.table}::regclass AND c.contype IN ('p', 'u')`.execute(db);
  if (change.primaryKey) {
    const pk = constraints.rows.find((c) => c.type === 'p');
    if (!pk) throw new Error(`${change.table} has no primary key`);
    await sql`ALTER TABLE ${t} DROP CONSTRAINT ${sql.id(pk.name)},
      ADD CONSTRAINT ${sql.id(`${change.table}_pkey`)} PRIMARY KEY (${columnList(change.primaryKey)})`.execute(db);
  }
  for (const u of change.unique ?? []) {
    const old = constraints.rows.find((c) => c.type === 'u' && sameColumns(c.columns, u.was));
    if (!old) throw new Error(`${change.table} has no unique constraint on (${u.was.join(', ')})`);
    await sql`ALTER TABLE ${t} DROP CONSTRAINT ${sql.id(old.name)},
      ADD CONSTRAINT ${sql.id(u.name)} UNIQUE (${columnList(u.columns)})`.execute(db);
  }
}

const sameColumns = (a: readonly string[], b: readonly string[]) => a.length === b.length && a.every((c, i) => c === b[i]);

interface SqliteColumn {
  name: string;
  type: string;
  notnull: number;
  dflt_value: string | null;
  pk: number;
}
interface SqliteForeignKey {
  id: number;
  seq: number;
  table: string;
  from: string;
  to: string | null;
  on_update: string;
  on_delete: string;
}
interface SqliteIndex {
  name: string;
  unique: number;
  origin: 'c' | 'u' | 'pk';
}

/**
 * SQLite's way to change a table's keys (https://www.sqlite.org/lang_altertable.html#otheralter): create the new
 * table, copy the rows, drop the old one, rename, create its indexes again. No other table references these tables
 * and none has triggers or views, so nothing else needs to follow.
 */
async function rebuildSqliteTable(db: Kysely<unknown>, change: KeyChange): Promise<void> {
  const { table } = change;
  const rows = async <R>(q: RawBuilder<unknown>) => (await q.execute(db)).rows as R[];
  const columns = await rows<SqliteColumn>(sql`SELECT * FROM pragma_table_info(${table}) ORDER BY cid`);
  if (columns.length === 0) throw new Error(`no table ${table}`);
  const foreignKeys = await rows<SqliteForeignKey>(sql`SELECT * FROM pragma_foreign_key_list(${table}) ORDER BY id, seq`);
  const indexes = await rows<SqliteIndex>(sql`SELECT name, "unique", origin FROM pragma_index_list(${table})`);
  const indexColumns = async (index: string) =>
    (await rows<{ name: string | null }>(sql`SELECT name FROM pragma_index_info(${index}) ORDER BY seqno`)).map((c) => c.name ?? '');
  const created = await rows<{ sql: string }>(
    sql`SELECT sql FROM sqlite_master WHERE type = 'index' AND tbl_name = ${table} AND sql IS NOT NULL ORDER BY name`,
  );

  const oldPk = columns.filter((c) => c.pk > 0).sort((a, b) => a.pk - b.pk).map((c) => c.name);
  const definitions = columns.map(
    (c) =>
      sql`${sql.id(c.name)} ${sql.raw(c.type || 'blob')}${sql.raw(c.notnull ? ' NOT NULL' : '')}${
        c.dflt_value === null ? sql`` : sql` DEFAULT ${sql.raw(c.dflt_value)}`
      }`,
  );
  definitions.push(sql`CONSTRAINT ${sql.id(`${table}_pk`)} PRIMARY KEY (${columnList(change.primaryKey ?? oldPk)})`);
  // Unique constraints (autoindexes of origin 'u'): the replaced ones changed, the others kept as they are.
  const replaced = new Set<string>();
  for (const index of indexes.filter((i) => i.origin === 'u')) {
    const was = await indexColumns(index.name);
    const change_ = change.unique?.find((u) => sameColumns(u.was, was));
    if (change_) replaced.add(change_.name);
    definitions.push(
      change_ ? sql`CONSTRAINT ${sql.id(change_.name)} UNIQUE (${columnList(change_.columns)})` : sql`UNIQUE (${columnList(was)})`,
    );
  }
  for (const u of change.unique ?? []) {
    if (!replaced.has(u.name)) throw new Error(`${table} has no unique constraint on (${u.was.join(', ')})`);
  }
  for (const id of new Set(foreignKeys.map((f) => f.id))) {
    const parts = foreignKeys.filter((f) => f.id === id);
    const to = parts.every((p) => p.to !== null) ? sql` (${columnList(parts.map((p) => p.to!))})` : sql``;
    const actions = (['on_update', 'on_delete'] as const)
      .filter((a) => parts[0]![a] !== 'NO ACTION')
      .map((a) => ` ${a.replace('_', ' ').toUpperCase()} ${parts[0]![a]}`)
      .join('');
    definitions.push(
      sql`FOREIGN KEY (${columnList(parts.map((p) => p.from))}) REFERENCES ${sql.id(parts[0]!.table)}${to}${sql.raw(actions)}`,
    );
  }

  const next = `${table}__rebuilt`;
  const names = columnList(columns.map((c) => c.name));
  const before = await rows<{ n: number }>(sql`SELECT count(*) AS n FROM ${sql.table(table)}`);
  await sql`CREATE TABLE ${sql.table(next)} (${sql.join(definitions)})`.execute(db);
  await sql`INSERT INTO ${sql.table(next)} (${names}) SELECT ${names} FROM ${sql.table(table)}`.execute(db);
  await sql`DROP TABLE ${sql.table(table)}`.execute(db);
  await sql`ALTER TABLE ${sql.table(next)} RENAME TO ${sql.table(table)}`.execute(db);
  for (const index of created) await sql.raw(index.sql).execute(db);
  const after = await rows<{ n: number }>(sql`SELECT count(*) AS n FROM ${sql.table(table)}`);
  if (Number(after[0]!.n) !== Number(before[0]!.n)) throw new Error(`${table}: ${before[0]!.n} rows before the rebuild, ${after[0]!.n} after`);
}
