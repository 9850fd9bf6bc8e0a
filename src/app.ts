/**
 * Wires the store, the action registry, the HTTP server and background services into one application.
 * Used by `config-api serve` and by the tests (through Fastify inject or a real port).
 */
import type { FastifyInstance } from 'fastify';
import type { Store } from './store/db.js';
import { buildRegistry } from './api/actions.js';
import { buildServer } from './api/server.js';
import type { Caller } from './api/registry.js';
import { webhookDelivery } from './webhooks/delivery.js';

export interface AppOptions {
  store: Store;
  region: string;
  logger?: boolean | object;
  authCacheTtlMs?: number;
}

/** A background service started with the app and stopped on close (e.g. webhook delivery). */
export interface BackgroundService {
  /** Wake up: new events were committed. */
  notify(): void;
  stop(): Promise<void>;
}

export type BackgroundFactory = (app: FastifyInstance, store: Store) => BackgroundService;
export type BearerResolver = (token: string, store: Store) => Promise<Caller | null>;

/** Areas register background services and extra bearer-token resolvers here. */
export const backgroundFactories: BackgroundFactory[] = [webhookDelivery];
export const bearerResolvers: BearerResolver[] = [];

export async function createApp(opts: AppOptions): Promise<FastifyInstance> {
  const registry = buildRegistry();
  const services: BackgroundService[] = [];
  const app = await buildServer({
    store: opts.store,
    registry,
    region: opts.region,
    logger: opts.logger,
    authCacheTtlMs: opts.authCacheTtlMs,
    bearerResolvers,
    onEventsCommitted: () => {
      for (const s of services) s.notify();
    },
  });
  for (const factory of backgroundFactories) services.push(factory(app, opts.store));
  app.addHook('onClose', async () => {
    await Promise.all(services.map((s) => s.stop()));
  });
  return app;
}
