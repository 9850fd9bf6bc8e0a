/**
 * What an area contributes to the app: its actions, the cascades it takes part in, and extra ways to authenticate.
 * `src/areas.ts` lists the areas in one visible order; the composition root (`src/app.ts`) builds the app from it.
 * Cascades run inside the transaction of the change that causes them, in the order of that list.
 */
import type { Queryable, Store } from '../store/db.js';
import type { ActionDef, Caller } from './registry.js';

/** Who caused a change (recorded with webhook events). */
export interface EventSource {
  licenseId: number;
  organizationId: string;
  /** Client id of the call that caused the change (null: PAT or system). */
  clientId: string | null;
}

/** A token a resolver recognised: who calls, and when their licence expires (epoch ms; null = never). */
export interface ResolvedBearer {
  caller: Caller;
  licenseExpiresAt: number | null;
}
/** Resolves the Bearer tokens it recognises (e.g. bot JWTs); null for any other token. */
export type BearerResolver = (token: string, store: Store) => Promise<ResolvedBearer | null>;

export interface CascadeHandlers {
  /** A group is being deleted (its memberships are gone, the group row not yet): drop or rewrite what refers to it. */
  groupDeleted?(trx: Queryable, source: EventSource, groupId: number): Promise<void>;
  /** An agent or bot is being deleted (memberships and credentials gone, the row not yet). */
  agentDeleted?(trx: Queryable, licenseId: number, agentId: string): Promise<void>;
  /** An application was installed on a licence. */
  applicationInstalled?(trx: Queryable, clientId: string, licenseId: number): Promise<void>;
}

export type Cascades = Required<CascadeHandlers>;

export interface Area extends CascadeHandlers {
  name: string;
  actions: readonly ActionDef<any>[];
  bearerResolver?: BearerResolver;
}

/** One function per cascade that runs every area's handler in the order of `areas`. */
export function cascadesOf(areas: readonly Area[]): Cascades {
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
