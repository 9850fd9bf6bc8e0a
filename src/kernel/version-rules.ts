/**
 * What differs between API versions inside handlers, as one typed object per served version: a handler reads
 * `ctx.rules` (and `ctx.version`), never compares version strings. The base version's (v3.5) values are in
 * src/versions/index.ts; each version module changes some of them relative to its neighbour. Differences of request
 * parameters, limits and answer shapes are not rules: they are the version's request and response schemas and its
 * translations (kernel/versions.ts).
 */
import type { Caller } from './caller.js';
import { ApiError } from './errors.js';

export interface VersionRules {
  /** create_group: `agent_priorities` must give at least one agent the `normal` priority (dropped in v3.6). */
  groupNeedsNormalPriority: boolean;
  /**
   * register_webhook and list_webhook_names: the triggering actions of the version, in the order of its reference's
   * table (the webhooks area's catalogue holds every action of every version with its filters).
   */
  webhookActions: readonly string[];
  /**
   * Agents' work schedule written without a time zone (v3.4's schedules have none): `required` (v3.5: a non-empty
   * schedule needs `work_scheduler.timezone`), or `kept` (the agent's stored zone stays; none stored: none, which
   * the v3.5 reference reads as the agent's own time zone).
   */
  agentScheduleZone: 'required' | 'kept';
  /**
   * create_bot and the licence webhook state methods given `owner_client_id` with a token (not a PAT): `used` (v3.5
   * on: it replaces the token's client id) or `refused` (v3.4: "The request will be rejected").
   */
  tokenOwnerClientId: 'used' | 'refused';
  /**
   * The `X-Author-Id` header: an agent's credential acts as the bot it names when it may act for it (v3.5 and lower,
   * bots/author.ts); false: the header is refused (`validation`), bot tokens being the only bot authorization (v3.6).
   */
  botAuthorHeader: boolean;
}

/** The `tokenOwnerClientId` rule: `owner_client_id` given with a token (Bearer or bot token) where it is refused. */
export function checkTokenOwnerClientId(rules: VersionRules, caller: Caller, ownerClientId: string | undefined): void {
  if (rules.tokenOwnerClientId === 'refused' && ownerClientId !== undefined && caller.kind !== 'pat') {
    throw new ApiError('validation', '`owner_client_id` is accepted only with a Personal Access Token: leave it out with a Bearer token');
  }
}
