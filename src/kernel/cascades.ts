/**
 * Cascades: what a change in one area does in the others (deleting a group or an agent, installing an application),
 * run inside the transaction of the change, in the order of the area list (src/areas.ts). An area calls them through
 * `ctx.cascades` without importing the areas that answer, so an area low in the layer order (docs/architecture.md)
 * can ask the areas above it: this is also how the groups area, below agents, has agent ids resolved
 * (`resolveAgentIds`, answered by the agents area).
 */
import type { Queryable } from '../store/store.js';
import type { Tx } from '../store/transaction.js';

/** Who caused a change (recorded with webhook events). */
export interface EventSource {
  licenseId: number;
  organizationId: string;
  /** Client id of the call that caused the change (null: PAT or system). */
  clientId: string | null;
  /**
   * The caller whose action caused the change (v3.6 webhooks show it as `requester`); absent when no caller acted on
   * the licence (e.g. a bot template's bots made on installation).
   */
  requester?: { userId: string; accountId: string; clientId: string | null };
}

export interface CascadeHandlers {
  /** A group is being deleted (its memberships are gone, the group row not yet): drop or rewrite what refers to it. */
  groupDeleted?(tx: Tx, source: EventSource, groupId: number): Promise<void>;
  /** An agent or bot is being deleted (memberships and credentials gone, the row not yet). */
  agentDeleted?(tx: Tx, licenseId: number, agentId: string): Promise<void>;
  /** An application was installed on a licence. */
  applicationInstalled?(tx: Tx, clientId: string, licenseId: number): Promise<void>;
  /**
   * Agents (or bots) are named by id in any letter case as members of a group (create_group, update_group): the ids
   * as created, by the given id (ids naming none are absent). Answered by the one area owning agents.
   */
  resolveAgentIds?(db: Queryable, licenseId: number, ids: readonly string[]): Promise<Map<string, string>>;
}

export type Cascades = Required<CascadeHandlers>;

type Broadcast = Exclude<keyof CascadeHandlers, 'resolveAgentIds'>;

/**
 * One function per cascade that runs every area's handler in the order of `areas`; `resolveAgentIds` is answered by
 * the first area that has it.
 */
export function cascadesOf(areas: readonly CascadeHandlers[]): Cascades {
  const run =
    <K extends Broadcast>(key: K) =>
    async (...args: Parameters<Cascades[K]>): Promise<void> => {
      for (const area of areas) {
        const handler = area[key] as ((...a: Parameters<Cascades[K]>) => Promise<void>) | undefined;
        if (handler) await handler.apply(area, args);
      }
    };
  const resolver = areas.find((a) => a.resolveAgentIds);
  return {
    groupDeleted: run('groupDeleted'),
    agentDeleted: run('agentDeleted'),
    applicationInstalled: run('applicationInstalled'),
    resolveAgentIds: (db, licenseId, ids) => {
      if (!resolver?.resolveAgentIds) throw new Error('no area resolves agent ids (the agents area is missing)');
      return resolver.resolveAgentIds(db, licenseId, ids);
    },
  };
}
