/** What the control plane's plugin is given, what its route modules receive, and what is known of each route. */
import type { FastifySchema, HTTPMethods } from 'fastify';
import type { Core } from '../../core.js';
import type { ControlPlaneOperations } from '../operations.js';
import type { RequestJournal } from '../../shared-state/journal.js';
import type { FaultRules } from '../../shared-state/fault-rules.js';

export interface AdminOptions {
  /** Writes go through `core.transaction`: its commit signals drop cached token lookups and wake webhook delivery. */
  core: Core;
  token: string;
  journal: RequestJournal;
  faults: FaultRules;
  /** Filled with every route as it is registered (for the OpenAPI document). */
  routes: AdminRouteDoc[];
}

/** What a route module receives. */
export interface AdminDeps extends Omit<AdminOptions, 'token' | 'routes'> {
  operations: ControlPlaneOperations;
}

/** A registered control-plane route: what the OpenAPI document is made from. */
export interface AdminRouteDoc {
  method: HTTPMethods;
  url: string;
  /** TypeBox schemas (`body`, `querystring`, `params`, `response`), `operationId`, `summary`, `hide` (not documented). */
  schema: FastifySchema;
}

