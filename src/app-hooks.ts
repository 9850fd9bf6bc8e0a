/**
 * Extension points filled by areas at module load (see src/app.ts, which re-exports them). They live in this leaf
 * module, imported by app.ts before the action registry, so areas loaded through the registry can push into them
 * while app.ts itself is still being evaluated.
 */
import type { FastifyInstance } from 'fastify';
import type { Store } from './store/db.js';
import type { Caller } from './kernel/registry.js';

/** A background service started with the app and stopped on close (e.g. webhook delivery). */
export interface BackgroundService {
  /** Wake up: new events were committed. */
  notify(): void;
  stop(): Promise<void>;
}

export type BackgroundFactory = (app: FastifyInstance, store: Store) => BackgroundService;
/** A token a resolver recognised: who calls, and when their licence expires (epoch ms; null = never). */
export interface ResolvedBearer {
  caller: Caller;
  licenseExpiresAt: number | null;
}
/** Resolves the Bearer tokens it recognises (e.g. bot JWTs); null for any other token. */
export type BearerResolver = (token: string, store: Store) => Promise<ResolvedBearer | null>;

/** Areas register background services and extra bearer-token resolvers here. */
export const backgroundFactories: BackgroundFactory[] = [];
export const bearerResolvers: BearerResolver[] = [];
