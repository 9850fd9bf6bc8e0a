/**
 * What an area contributes to the app: its actions, the cascades it takes part in, and extra ways to authenticate.
 * `src/areas.ts` lists the areas in one visible order; the composition root (`src/app.ts`) builds the app from it.
 * Cascades run inside the transaction of the change that causes them, in the order of that list.
 */
import type { Store } from '../store/store.js';
import type { ActionDef, Caller } from './registry.js';
import type { CascadeHandlers } from './cascades.js';
import type { SigningKeys } from './signing-keys.js';

export { cascadesOf, type CascadeHandlers, type Cascades, type EventSource } from './cascades.js';

/** A token a resolver recognised: who calls, and when their licence expires (epoch ms; null = never). */
export interface ResolvedBearer {
  caller: Caller;
  licenseExpiresAt: number | null;
}
/** Resolves the Bearer tokens it recognises (e.g. bot JWTs, verified with the app's signing keys); null for any other token. */
export type BearerResolver = (token: string, store: Store, keys: SigningKeys) => Promise<ResolvedBearer | null>;

export interface Area extends CascadeHandlers {
  name: string;
  actions: readonly ActionDef<any>[];
  bearerResolver?: BearerResolver;
}
