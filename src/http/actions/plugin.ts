/**
 * The action API of one version as one encapsulated Fastify plugin (anchors §1 "Encapsulation and scoped hooks"):
 * `POST /<version>/configuration/action/<name>` for every action, alias and batch endpoint of its registry (any other
 * name: `not_found`; other methods: `otherCalls`). The calls of the version (name → action, metrics label) are built once,
 * when the plugin is registered. Its hooks apply to these routes and to no other, by construction:
 *
 *   onRequest   the call identified (`req.call`) → failed-authentication block → rate limit
 *   preHandler  authentication (actions that need it; a refused credential is kept for `authorize`, so fault rules
 *               still apply) → fault rules (control plane) → authorization (the refusal, a suspended agent, scopes)
 *   handler     the dispatcher: validation, the action's own authorization, its read cache or one transaction
 *   onSend      per-action metrics, the request journal (control plane)
 *   onResponse  failed authentications counted
 *
 * `registerActionApi` registers it under `/<version>` (issue 22: once per served version). `otherCalls` answers the
 * rest of the action paths (other versions: `unsupported_version`; other methods: 405) with the same observing hooks.
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyInstance, FastifyReply, FastifyRequest, HTTPMethods, onRequestAsyncHookHandler, preHandlerAsyncHookHandler, preHandlerHookHandler } from 'fastify';
import { Type } from '@sinclair/typebox';
import { ApiError, HttpStatusError } from '../../kernel/errors.js';
import { MAX_BATCH_SIZE, type Registry } from '../../kernel/registry.js';
import { requireAnyScope } from '../../kernel/scopes.js';
import { compileValidator } from '../../kernel/validation.js';
import { batchRequestSchema } from '../../kernel/responses.js';
import { RawJson } from '../../kernel/raw-json.js';
import type { Authenticator } from '../auth.js';
import type { AuthFailureHooks } from '../auth-failures.js';
import type { Dispatcher } from '../dispatch.js';
import type { Metrics } from '../metrics.js';
import { callMetricsHook } from '../telemetry.js';
import { journalHook, type RequestJournal } from '../journal.js';
import { faultsHook, type FaultInjector } from '../faults.js';
import { callTable, identifyCall, type ActionCall } from './call.js';

/** The path of the actions under a version's prefix. */
const ACTION_PATH = '/configuration/action';

export interface CallLimits {
  /** Failed authentications per client address (null: off). */
  authFailures: AuthFailureHooks | null;
  /** Calls per credential (null: off). */
  rateLimit: onRequestAsyncHookHandler | null;
}

export interface ActionApiOptions {
  registry: Registry;
  auth: Authenticator;
  dispatcher: Dispatcher;
  metrics: Metrics;
  /** Made once and given to every registration: a limit holds per credential or address, whatever the version. */
  limits: CallLimits;
  /** The control plane's journal and fault rules (null without ADMIN_TOKEN). */
  controlPlane: { journal: RequestJournal; faults: FaultInjector } | null;
}

export interface VersionOptions extends ActionApiOptions {
  /** The version served, e.g. `v3.5`; the plugin is registered under the prefix `/<version>`. */
  version: string;
}

/** Other methods on an action path answer 405 (an `OPTIONS` too, unless it is a CORS preflight: see cors.ts). */
const OTHER_METHODS: HTTPMethods[] = ['GET', 'HEAD', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'];

async function methodNotAllowed(req: FastifyRequest, reply: FastifyReply): Promise<never> {
  reply.header('allow', 'POST');
  throw new HttpStatusError(405, 'validation', `Method ${req.method} not allowed; actions are called with POST`, { allow: ['POST'] });
}

/** The hooks every action route has, served version or not: identify, limits, observe. */
function observeCalls(api: FastifyInstance, o: ActionApiOptions, calls: ReadonlyMap<string, ActionCall> | null, version: string | null): void {
  api.addHook('onRequest', identifyCall(o.registry, calls, version));
  const { authFailures, rateLimit } = o.limits;
  if (authFailures) {
    api.addHook('onRequest', authFailures.onRequest);
    api.addHook('onResponse', authFailures.onResponse);
  }
  if (rateLimit) api.addHook('onRequest', rateLimit);
  api.addHook('onSend', callMetricsHook(o.metrics));
  if (o.controlPlane) api.addHook('onSend', journalHook(o.controlPlane.journal));
}

/** preHandler: who calls, for actions that need a credential (a refusal is kept in `req.authFailure`). */
function authenticate(auth: Authenticator): preHandlerAsyncHookHandler {
  return async (req) => {
    const action = req.call?.action;
    if (!action || action.auth === 'none') return;
    const xRegion = req.headers['x-region'];
    try {
      req.caller = await auth.authenticate(req.headers.authorization, Array.isArray(xRegion) ? xRegion[0] : xRegion);
    } catch (err) {
      req.authFailure = err instanceof Error ? err : new Error(String(err));
    }
  };
}

/** preHandler: the refused credential, a suspended agent (unless the action allows one), the action's static scopes. */
const authorize: preHandlerHookHandler = (req, _reply, done) => {
  const action = req.call?.action;
  if (!action || action.auth === 'none') return done();
  const caller = req.caller;
  if (!caller) return done(req.authFailure ?? new ApiError('authentication'));
  if (caller.suspended && !action.allowSuspended) return done(new ApiError('authorization', 'The agent is suspended'));
  try {
    requireAnyScope(caller.scopes, ...action.requiredAnyOf);
  } catch (err) {
    return done(err as Error);
  }
  done();
};

const batchValidator = compileValidator(batchRequestSchema(Type.Any(), MAX_BATCH_SIZE));

const actionApi: FastifyPluginAsyncTypebox<VersionOptions> = async (api, o) => {
  const { dispatcher, version } = o;
  api.decorateRequest('authFailure', null);
  observeCalls(api, o, callTable(o.registry, version), version);
  api.addHook('preHandler', authenticate(o.auth));
  if (o.controlPlane) api.addHook('preHandler', faultsHook(o.controlPlane.faults));
  api.addHook('preHandler', authorize);

  api.post(`${ACTION_PATH}/:action`, async (req, reply) => {
    const call = req.call;
    if (!call?.action) throw new ApiError('not_found', `Unknown action: ${call?.name ?? ''}`);
    if (call.batch) {
      const { requests } = batchValidator(req.body);
      return reply.send({ responses: await dispatcher.runBatch(call.action, req.caller, req.log, requests, req.id) });
    }
    const out = await dispatcher.runSingle(call.action, req.caller, req.log, req.body);
    if (out instanceof RawJson) return reply.type('application/json; charset=utf-8').send(out.body);
    return reply.send(out);
  });
};

/** The action API of `version` under `/<version>`. */
export async function registerActionApi(app: FastifyInstance, version: string, o: ActionApiOptions): Promise<void> {
  await app.register(actionApi, { ...o, version, prefix: `/${version}` });
}

/**
 * What an action path answers beyond the served versions' POST routes, observed as calls like them (no
 * authentication): a POST of another version `unsupported_version`, any other method (any version) 405.
 */
export const otherCalls: FastifyPluginAsyncTypebox<ActionApiOptions> = async (api, o) => {
  observeCalls(api, o, null, null);
  if (o.controlPlane) api.addHook('preHandler', faultsHook(o.controlPlane.faults));
  api.post(`/:version${ACTION_PATH}/:action`, async () => {
    throw new ApiError('unsupported_version');
  });
  api.route({ method: OTHER_METHODS, url: `/:version${ACTION_PATH}/:action`, handler: methodNotAllowed });
};

declare module 'fastify' {
  interface FastifyRequest {
    /** Action routes: why the credential was refused (answered by `authorize`, after the fault rules). */
    authFailure: Error | null;
  }
}
