/**
 * The agent view (get_agent, list_agents, the agent_created webhook): the `fields` projection and its one
 * serialiser, and the work schedule as stored.
 */
import type { Membership } from '../groups/repo.js';
import type { AgentRow } from './repo.js';
import { AGENT_FIELDS, type WorkScheduler } from './schemas.js';

export const parseScheduler = (s: string | null): WorkScheduler => (s ? (JSON.parse(s) as WorkScheduler) : {});

const str = (v: string): string => JSON.stringify(v);

/**
 * The agent as get_agent / list_agents show it (base fields plus the requested extras), as JSON text: the one
 * serialiser of the agent view. The JSON columns (work schedule, notifications, e-mail subscriptions) are stored as
 * JSON.stringify wrote them and are copied verbatim instead of being parsed into objects and serialised again
 * (for list_agents that round trip and its garbage dominated the cost of an uncached answer).
 */
export function agentJson(row: AgentRow, groups: Membership[] | undefined, fields: ReadonlySet<string>): string {
  let s =
    `{"id":${str(row.id)},"account_id":${str(row.account_id)},"name":${str(row.name)},"avatar":${str(row.avatar ?? '')}` +
    `,"role":${str(row.role)},"login_status":${str(row.login_status)}`;
  if (fields.size === 0) return s + '}';
  if (fields.has('work_scheduler')) s += `,"work_scheduler":${row.work_scheduler || '{}'}`;
  if (fields.has('groups')) s += `,"groups":${JSON.stringify(groups ?? [])}`;
  if (fields.has('email_subscriptions')) s += `,"email_subscriptions":${row.email_subscriptions || '[]'}`;
  if (fields.has('notifications')) s += `,"notifications":${row.notifications || '[]'}`;
  if (fields.has('job_title')) s += `,"job_title":${str(row.job_title ?? '')}`;
  if (fields.has('mobile')) s += `,"mobile":${str(row.mobile ?? '')}`;
  if (fields.has('max_chats_count')) s += `,"max_chats_count":${JSON.stringify(row.max_chats_count)}`;
  if (fields.has('suspended')) s += `,"suspended":${row.suspended === 1}`;
  if (fields.has('awaiting_approval')) s += `,"awaiting_approval":${row.awaiting_approval === 1}`;
  if (fields.has('last_logout') && row.last_logout) s += `,"last_logout":${str(row.last_logout)}`;
  return s + '}';
}

/** The agent view as an object (derived from `agentJson`, so both can never differ). */
export function agentView(row: AgentRow, groups: Membership[] | undefined, fields: ReadonlySet<string>): Record<string, unknown> {
  return JSON.parse(agentJson(row, groups, fields)) as Record<string, unknown>;
}

const ALL_FIELDS: ReadonlySet<string> = new Set(AGENT_FIELDS);

/** Full state, as the agent_created webhook carries it. */
export function agentFullState(row: AgentRow, groups: Membership[]): Record<string, unknown> {
  return agentView(row, groups, ALL_FIELDS);
}
