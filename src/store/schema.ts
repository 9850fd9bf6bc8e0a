/**
 * Kysely table types. Each table's row type is declared beside its owner module and merged in by declaration merging:
 *   declare module '../store/schema.js' { interface Database { tags: TagsTable } }
 * Conventions for both dialects: booleans are integers 0/1, JSON is TEXT, timestamps are RFC 3339 TEXT (UTC).
 */

export interface CountersTable {
  name: string;
  value: number;
}

export interface SettingsTable {
  key: string;
  value: string;
}

/** The store's own tables (counters and settings, read and written by store/own-tables.ts); areas merge theirs in. */
export interface Database {
  counters: CountersTable;
  settings: SettingsTable;
}
