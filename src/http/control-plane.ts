/**
 * The control plane of an app, only when an admin token is configured: the request journal and the fault rules (which
 * the action pipeline records into and applies), and the operator surfaces on top of them, `/admin/` and the web
 * console `/console` with its sessions. Where the journal, rules and sessions are kept (this process, or PostgreSQL
 * for every node) is the composition root's choice (src/shared-state/). They are exposed as `app.controlPlane` (e.g.
 * for a test: `app.controlPlane.journal.subscribe(fn)`).
 */
import type { FastifyInstance } from 'fastify';
import type { RequestJournal } from '../shared-state/journal.js';
import type { FaultRules } from '../shared-state/fault-rules.js';
import type { ConsoleSessions } from '../shared-state/console-sessions.js';
import { adminPlugin, type AdminRouteDoc } from './admin/index.js';
import { adminOpenApiExtension } from './admin/openapi.js';
import { consolePlugin, type ConsoleOptions } from './console/index.js';
import type { OpenApiExtension } from './openapi.js';

/** What the control plane keeps. */
export interface ControlPlaneState {
  journal: RequestJournal;
  faults: FaultRules;
  sessions: ConsoleSessions;
}

export class ControlPlane {
  readonly journal: RequestJournal;
  readonly faults: FaultRules;
  readonly sessions: ConsoleSessions;
  /** Every `/admin/` route, as registered. */
  readonly adminRoutes: AdminRouteDoc[] = [];

  constructor(
    private readonly token: string,
    state: ControlPlaneState,
  ) {
    ({ journal: this.journal, faults: this.faults, sessions: this.sessions } = state);
  }

  /** The `/admin/` routes in the OpenAPI document (read when the document is built, after every route is registered). */
  openApiExtension(): () => OpenApiExtension {
    return () => adminOpenApiExtension(this.adminRoutes);
  }

  /** `/admin/` and `/console` on `app`; wrong admin tokens at the console's sign-in count against `authFailures`. */
  async register(
    app: FastifyInstance,
    deps: Pick<ConsoleOptions, 'core' | 'versions' | 'dispatcher' | 'authFailures' | 'changes'>,
  ): Promise<void> {
    await app.register(adminPlugin, { core: deps.core, token: this.token, journal: this.journal, faults: this.faults, routes: this.adminRoutes });
    await app.register(consolePlugin, { ...deps, adminToken: this.token, journal: this.journal, sessions: this.sessions });
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
