/**
 * The control plane of an app, only when an admin token is configured: the request journal and the fault rules (which
 * the action pipeline records into and applies), and the operator surfaces on top of them, `/admin/` and the web
 * console `/console`. The journal and fault rules are exposed as `app.controlPlane` (e.g. for a test:
 * `app.controlPlane.journal.subscribe(fn)`).
 */
import type { FastifyInstance } from 'fastify';
import type { AdminConfig } from '../config.js';
import type { Core } from '../core.js';
import type { VersionedRegistry } from '../kernel/versions.js';
import type { Dispatcher } from './dispatch.js';
import { FaultInjector } from './faults.js';
import { RequestJournal } from './journal.js';
import { adminPlugin, type AdminRouteDoc } from './admin/index.js';
import { adminOpenApiExtension } from './admin/openapi.js';
import { consolePlugin } from './console/index.js';
import type { OpenApiExtension } from './openapi.js';

export class ControlPlane {
  readonly journal: RequestJournal;
  readonly faults = new FaultInjector();
  /** Every `/admin/` route, as registered. */
  readonly adminRoutes: AdminRouteDoc[] = [];

  constructor(
    private readonly token: string,
    config: Pick<AdminConfig, 'journalSize' | 'journalBodies'>,
  ) {
    this.journal = new RequestJournal(config.journalSize, config.journalBodies);
  }

  /** The `/admin/` routes in the OpenAPI document (read when the document is built, after every route is registered). */
  openApiExtension(): () => OpenApiExtension {
    return () => adminOpenApiExtension(this.adminRoutes);
  }

  /** `/admin/` and `/console` on `app`. */
  async register(app: FastifyInstance, deps: { core: Core; versions: VersionedRegistry; dispatcher: Dispatcher }): Promise<void> {
    await app.register(adminPlugin, { core: deps.core, token: this.token, journal: this.journal, faults: this.faults, routes: this.adminRoutes });
    await app.register(consolePlugin, { ...deps, adminToken: this.token, journal: this.journal });
    const plane: ControlPlane = this;
    app.decorate('controlPlane', plane);
  }
}

declare module 'fastify' {
  interface FastifyInstance {
    /** Present when ADMIN_TOKEN is set. */
    controlPlane?: ControlPlane;
  }
}
