/**
 * What differs between API versions inside handlers, as one typed object per served version: a handler reads
 * `ctx.rules` (and `ctx.version`), never compares version strings. The base version's (v3.5) values are in
 * src/versions/index.ts; each version module changes some of them relative to its neighbour. Differences of request
 * parameters, limits and answer shapes are not rules: they are the version's request and response schemas and its
 * translations (kernel/versions.ts).
 */
export interface VersionRules {
  /** create_group: `agent_priorities` must give at least one agent the `normal` priority (dropped in v3.6). */
  groupNeedsNormalPriority: boolean;
  /**
   * register_webhook and list_webhook_names: the triggering actions of the version, in the order of its reference's
   * table (the webhooks area's catalogue holds every action of every version with its filters).
   */
  webhookActions: readonly string[];
  /**
   * The `X-Author-Id` header: an agent's credential acts as the bot it names when it may act for it (v3.5 and lower,
   * bots/author.ts); false: the header is refused (`validation`), bot tokens being the only bot authorization (v3.6).
   */
  botAuthorHeader: boolean;
}
