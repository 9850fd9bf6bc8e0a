/**
 * Kysely table types. Areas add their own tables by declaration merging:
 *   declare module '../store/schema.js' { interface Database { tags: TagsTable } }
 * Conventions for both dialects: booleans are integers 0/1, JSON is TEXT, timestamps are RFC 3339 TEXT (UTC).
 */

export interface AccessTokensTable {
  token_hash: string;
  license_id: number;
  account_id: string;
  client_id: string | null;
  scopes: string;
  region: string;
  expires_at: string | null;
  created_at: string;
}

export interface PatsTable {
  token_hash: string;
  license_id: number;
  account_id: string;
  scopes: string;
  created_at: string;
}

export interface CountersTable {
  name: string;
  value: number;
}

export interface SettingsTable {
  key: string;
  value: string;
}

/** Transactional outbox: one row per configuration event, written in the transaction of the change. */
export interface WebhookEventsTable {
  id: string;
  seq: number;
  license_id: number;
  organization_id: string;
  action: string;
  payload: string;
  source_client_id: string | null;
  created_at: string;
}

export interface Database {
  access_tokens: AccessTokensTable;
  pats: PatsTable;
  counters: CountersTable;
  settings: SettingsTable;
  webhook_events: WebhookEventsTable;
}
