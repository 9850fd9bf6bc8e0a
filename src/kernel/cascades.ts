/**
 * Cascades: what a change in one area does in the others (deleting a group or an agent, installing an application),
 * run inside the transaction of the change, in the order of the area list (src/areas.ts).
 */
import type { Tx } from '../store/transaction.js';

/** Who caused a change (recorded with webhook events). */
export interface EventSource {
  licenseId: number;
  organizationId: string;
  /** Client id of the call that caused the change (null: PAT or system). */
  clientId: string | null;
}

export interface CascadeHandlers {
  /** A group is being deleted (its memberships are gone, the group row not yet): drop or rewrite what refers to it. */
  groupDeleted?(tx: Tx, source: EventSource, groupId: number): Promise<void>;
  /** An agent or bot is being deleted (memberships and credentials gone, the row not yet). */
  agentDeleted?(tx: Tx, licenseId: number, agentId: string): Promise<void>;
  /** An application was installed on a licence. */
  applicationInstalled?(tx: Tx, clientId: string, licenseId: number): Promise<void>;
}

export type Cascades = Required<CascadeHandlers>;

/** One function per cascade that runs every area's handler in the order of `areas`. */
export function cascadesOf(areas: readonly CascadeHandlers[]): Cascades {
  const run =
    <K extends keyof CascadeHandlers>(key: K) =>
    async (...args: Parameters<Cascades[K]>): Promise<void> => {
      for (const area of areas) {
        const handler = area[key] as ((...a: Parameters<Cascades[K]>) => Promise<void>) | undefined;
        if (handler) await handler.apply(area, args);
      }
    };
  return { groupDeleted: run('groupDeleted'), agentDeleted: run('agentDeleted'), applicationInstalled: run('applicationInstalled') };
}
