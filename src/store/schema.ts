/**
 * Kysely table types. Areas add their own tables by declaration merging:
 *   declare module '../store/schema.js' { interface Database { tags: TagsTable } }
 * Conventions for both dialects: booleans are integers 0/1, JSON is TEXT, timestamps are RFC 3339 TEXT (UTC).
 */
import type { Generated } from 'kysely';

export interface OrganizationsTable {
  id: string;
  name: string;
  created_at: string;
}

export interface LicensesTable {
  id: number;
  organization_id: string;
  region: string;
  plan: string;
  expires_at: string | null;
  source_id: string;
  source_type: string;
  source_url: string;
  next_group_id: number;
  created_at: string;
  /** PostgreSQL: bumped by triggers on every change to the licence's agents or memberships (read-cache key). */
  agents_version: Generated<number>;
}

/** Agents and bots (type = 'bot') of one licence. */
export interface AgentsTable {
  license_id: number;
  id: string;
  account_id: string;
  type: string;
  name: string;
  avatar: string | null;
  role: string;
  login_status: string;
  job_title: string | null;
  mobile: string | null;
  max_chats_count: number;
  awaiting_approval: number;
  suspended: number;
  notifications: string;
  email_subscriptions: string;
  work_scheduler: string | null;
  last_logout: string | null;
  default_group_priority: string | null;
  timezone: string | null;
  owner_client_id: string | null;
  secret_hash: string | null;
  created_via: string | null;
  created_at: string;
  updated_at: string;
}

export interface GroupsTable {
  license_id: number;
  id: number;
  name: string;
  language_code: string;
  routing_status: string;
  created_at: string;
}

export interface GroupMembersTable {
  license_id: number;
  group_id: number;
  agent_id: string;
  priority: string;
}

export interface ApplicationsTable {
  client_id: string;
  organization_id: string;
  name: string;
  created_at: string;
}

export interface InstallationsTable {
  client_id: string;
  license_id: number;
  installed_at: string;
}

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

export interface UnsuspensionRequestsTable {
  id: string;
  license_id: number;
  agent_id: string;
  recipients: string;
  requested_at: string;
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
  organizations: OrganizationsTable;
  licenses: LicensesTable;
  agents: AgentsTable;
  groups: GroupsTable;
  group_members: GroupMembersTable;
  applications: ApplicationsTable;
  installations: InstallationsTable;
  access_tokens: AccessTokensTable;
  pats: PatsTable;
  unsuspension_requests: UnsuspensionRequestsTable;
  counters: CountersTable;
  settings: SettingsTable;
  webhook_events: WebhookEventsTable;
}
