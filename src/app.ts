/**
 * Wires the store, the action registry, the HTTP server and background services into one application.
 * Used by `config-api serve` and by the tests (through Fastify inject or a real port).
 */
// First: areas loaded through the registry push into these while this module is still being evaluated.
import { backgroundFactories, bearerResolvers, type BackgroundService } from './app-hooks.js';
import type { FastifyInstance } from 'fastify';
import type { Store } from './store/db.js';
import { buildRegistry } from './areas.js';
import { buildServer } from './http/server.js';
import { controlPlaneOperations, registerConsole, type ConsoleOptions } from './http/console.js';
import type { RateLimitOptions } from './http/rate-limit.js';
import { webhookDelivery } from './webhooks/delivery.js';
import { registerControlPlane } from './http/control-plane.js';
import type { AdminConfig } from './config.js';
import { eventLogModeFromEnv, setEventLogMode, type EventLogMode } from './webhooks/outbox.js';

export { backgroundFactories, bearerResolvers };
export type { BackgroundFactory, BackgroundService, BearerResolver } from './app-hooks.js';

export interface AppOptions {
  store: Store;
  region: string;
  logger?: boolean | object;
  authCacheTtlMs?: number;
  rateLimit?: RateLimitOptions;
  /** Which webhook events are stored (default: WEBHOOK_EVENT_LOG, else `subscribed`). */
  eventLog?: EventLogMode;
  /** The control plane (/admin/) and the web console (/console), on when `token` is set. */
  admin?: AdminConfig;
  /** HTTPS + HTTP/2 (see src/http/tls.ts). */
  tls?: { key: string | Buffer; cert: string | Buffer };
  /** Console tuning (tests make live views poll faster). */
  console?: Pick<ConsoleOptions, 'livePollMs' | 'sessionTtlMs'>;
}

export async function createApp(opts: AppOptions): Promise<FastifyInstance> {
  setEventLogMode(opts.store.db, opts.eventLog ?? eventLogModeFromEnv());
  const registry = buildRegistry();
  const services: BackgroundService[] = [];
  const app = await buildServer({
    store: opts.store,
    registry,
    region: opts.region,
    logger: opts.logger,
    authCacheTtlMs: opts.authCacheTtlMs,
    rateLimit: opts.rateLimit,
    tls: opts.tls,
    bearerResolvers,
    onEventsCommitted: () => {
      for (const s of services) s.notify();
    },
  });
  if (opts.admin) {
    const notifyDeliveries = () => services.forEach((s) => s.notify());
    const plane = await registerControlPlane(app, { store: opts.store, admin: opts.admin, region: opts.region, notifyDeliveries });
    if (plane && opts.admin.token) {
      const invalidateAuth = () => app.authenticator.invalidate();
      registerConsole(app, {
        store: opts.store,
        registry,
        adminToken: opts.admin.token,
        services: { onEventsCommitted: notifyDeliveries, invalidateAuth },
        journal: plane.journal,
        operations: controlPlaneOperations(opts.store, { invalidateAuth, notifyDeliveries }),
        ...opts.console,
      });
    }
  }
  // Webhook delivery always runs; areas may add more services through backgroundFactories.
  for (const factory of [webhookDelivery, ...backgroundFactories]) services.push(factory(app, opts.store));
  app.addHook('onClose', async () => {
    await Promise.all(services.map((s) => s.stop()));
  });
  return app;
}
