/**
 * The live schema's keys, read from the database itself (not from the migration sources): each table's columns, its
 * primary key and its unique indexes (unique constraints included), with their key columns in order. An expression
 * key (e.g. `lower(id)`) appears as its text. Both stores.
 */
import { sql } from 'kysely';
import type { Store } from '../../src/store/store.js';

export interface UniqueKey {
  name: string;
  columns: string[];
}

export interface TableKeys {
  table: string;
  columns: string[];
  primaryKey: string[];
  /** Unique indexes other than the primary key's. */
  unique: UniqueKey[];
}

export async function tableKeys(store: Store): Promise<TableKeys[]> {
  return store.dialect === 'postgres' ? postgresKeys(store) : sqliteKeys(store);
}

async function postgresKeys(store: Store): Promise<TableKeys[]> {
  const { rows: columns } = await sql<{ table: string; column: string }>`
    SELECT table_name AS table, column_name AS column FROM information_schema.columns
     WHERE table_schema = 'public' ORDER BY table_name, ordinal_position`.execute(store.db);
  // Key columns only (INCLUDE columns are not part of the key); pg_get_indexdef(…, k, true) names the k-th key column
  // or prints its expression.
  const { rows: indexes } = await sql<{ table: string; name: string; primary: boolean; columns: string[] }>`
    SELECT t.relname AS table, i.relname AS name, x.indisprimary AS primary,
           ARRAY(SELECT pg_get_indexdef(x.indexrelid, k, true) FROM generate_series(1, x.indnkeyatts) AS k ORDER BY k) AS columns
      FROM pg_index x
      JOIN pg_class t ON t.oid = x.indrelid
      JOIN pg_class i ON i.oid = x.indexrelid
     WHERE t.relnamespace = 'public'::regnamespace AND t.relkind = 'r' AND x.indisunique
     ORDER BY t.relname, i.relname`.execute(store.db);
  const tables = [...new Set(columns.map((c) => c.table))];
  return tables.map((table) => ({
    table,
    columns: columns.filter((c) => c.table === table).map((c) => c.column),
    primaryKey: indexes.find((i) => i.table === table && i.primary)?.columns ?? [],
    unique: indexes.filter((i) => i.table === table && !i.primary).map((i) => ({ name: i.name, columns: i.columns })),
  }));
}

async function sqliteKeys(store: Store): Promise<TableKeys[]> {
  const db = store.db;
  const { rows: tables } = await sql<{ name: string }>`
    SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY name`.execute(db);
  const out: TableKeys[] = [];
  for (const { name: table } of tables) {
    const { rows: columns } = await sql<{ name: string; pk: number }>`SELECT name, pk FROM pragma_table_info(${table}) ORDER BY cid`.execute(db);
    const { rows: indexes } = await sql<{ name: string; unique: number; origin: string }>`
      SELECT name, "unique", origin FROM pragma_index_list(${table})`.execute(db);
    const unique: UniqueKey[] = [];
    for (const index of indexes.filter((i) => i.unique && i.origin !== 'pk')) {
      // index_xinfo: key columns have key = 1; an expression has cid -2 and no name.
      const { rows: keys } = await sql<{ name: string | null; cid: number }>`
        SELECT name, cid FROM pragma_index_xinfo(${index.name}) WHERE key = 1 ORDER BY seqno`.execute(db);
      unique.push({ name: index.name, columns: keys.map((k) => k.name ?? '<expression>') });
    }
    out.push({
      table,
      columns: columns.map((c) => c.name),
      primaryKey: columns.filter((c) => c.pk > 0).sort((a, b) => a.pk - b.pk).map((c) => c.name),
      unique: unique.sort((a, b) => a.name.localeCompare(b.name)),
    });
  }
  return out;
}

/** Indexes made by CREATE INDEX (not those backing a primary key or unique constraint): table, name, definition. */
export async function createdIndexes(store: Store): Promise<Array<{ table: string; name: string; definition: string }>> {
  if (store.dialect === 'postgres') {
    const { rows } = await sql<{ table: string; name: string; definition: string }>`
      SELECT tablename AS table, indexname AS name, indexdef AS definition FROM pg_indexes i
       WHERE schemaname = 'public'
         AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = (quote_ident(i.indexname))::regclass)
       ORDER BY tablename, indexname`.execute(store.db);
    return rows;
  }
  const { rows } = await sql<{ table: string; name: string; definition: string }>`
    SELECT tbl_name AS "table", name, sql AS definition FROM sqlite_master
     WHERE type = 'index' AND sql IS NOT NULL ORDER BY tbl_name, name`.execute(store.db);
  return rows;
}
