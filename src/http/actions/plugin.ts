/**
 * The action API of one version as one encapsulated Fastify plugin (anchors §1 "Encapsulation and scoped hooks"):
 * `POST /v<version>/configuration/action/<name>` for every action, alias and batch endpoint of the version's table
 * (any other name: `not_found`), `GET` for the actions the version serves by GET (kernel/versions.ts `get`), and 405
 * for other methods. The calls of the version (name → action, metrics series) are built once, when the plugin is
 * registered. Its hooks apply to these routes and to no other, by construction:
 *
 *   onRequest   the lifecycle header (`Legacy`/`Deprecation`, legacy and deprecated versions) → the call identified
 *               (`req.call`) → failed-authentication block → rate limit
 *   preHandler  authentication (actions that need it; `X-Author-Id` as the version's rules say; a refused credential
 *               is kept for `authorize`, so fault rules still apply) → fault rules (control plane) → authorization (the refusal, a suspended agent, scopes)
 *   handler     the dispatcher: validation, the version's translation, the action's own authorization, its read cache
 *               or one transaction, the version's answer
 *   onSend      failed authentications counted (a 401 past the limit goes out as 429), per-call metrics, the request
 *               journal (control plane)
 *
 * `registerActionApi` registers it under `/v<version>`, once per served version. `otherCalls` answers the action paths
 * of versions not served (`unsupported_version`; other methods 405) with the same observing hooks.
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyInstance, FastifyReply, FastifyRequest, HTTPMethods, onRequestAsyncHookHandler, preHandlerAsyncHookHandler, preHandlerHookHandler } from 'fastify';
import { Type } from '@sinclair/typebox';
import { ApiError, HttpStatusError } from '../../kernel/errors.js';
import { MAX_BATCH_SIZE, type Registry } from '../../kernel/registry.js';
import type { ServedVersion, VersionedRegistry, VersionRules } from '../../kernel/versions.js';
import { requireAnyScope } from '../../kernel/scopes.js';
import { compileValidator } from '../../kernel/validation.js';
import { batchRequestSchema } from '../../kernel/responses.js';
import { RawJson } from '../../kernel/raw-json.js';
import type { Authenticator } from '../auth.js';
import type { AuthFailureHooks } from '../auth-failures.js';
import { scopeOf, type CallScope, type Dispatcher } from '../dispatch.js';
import type { Metrics } from '../metrics.js';
import { callMetricsHook } from '../telemetry.js';
import { journalHook } from '../journal.js';
import { faultsHook } from '../faults.js';
import type { RequestJournal } from '../../shared-state/journal.js';
import type { FaultRules } from '../../shared-state/fault-rules.js';
import { callTable, identifyCall } from './call.js';
import { queryInput } from './query.js';
import { turnEnd } from '../../kernel/turn-end.js';

/** The path of the actions under a version's prefix. */
const ACTION_PATH = '/configuration/action';

export interface CallLimits {
  /** Failed authentications per client address (null: off). */
  authFailures: AuthFailureHooks | null;
  /** Calls per credential (null: off). */
  rateLimit: onRequestAsyncHookHandler | null;
}

export interface ActionApiOptions {
  /** Every served version's table (the handlers' `ctx.rulesOf`, the labels of versions not served). */
  versions: VersionedRegistry;
  auth: Authenticator;
  dispatcher: Dispatcher;
  metrics: Metrics;
  /** Made once and given to every registration: a limit holds per credential or address, whatever the version. */
  limits: CallLimits;
  /** The control plane's journal and fault rules (null without ADMIN_TOKEN). */
  controlPlane: { journal: RequestJournal; faults: FaultRules } | null;
}

export interface VersionOptions extends ActionApiOptions {
  /** The version served; the plugin is registered under the prefix `/v<version>`. */
  served: ServedVersion;
}

/** Other methods on an action path answer 405 (an `OPTIONS` too, unless it is a CORS preflight: see cors.ts). */
const OTHER_METHODS: HTTPMethods[] = ['GET', 'HEAD', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'];

async function methodNotAllowed(req: FastifyRequest, reply: FastifyReply): Promise<never> {
  reply.header('allow', 'POST');
  throw new HttpStatusError(405, 'validation', `Method ${req.method} not allowed; actions are called with POST`, { allow: ['POST'] });
}

/** The hooks every action route has, served version or not: identify, limits, observe. */
function observeCalls(api: FastifyInstance, o: ActionApiOptions, labels: Registry, served: Parameters<typeof identifyCall>[2]): void {
  api.addHook('onRequest', identifyCall(labels, o.metrics.requests, served));
  const { authFailures, rateLimit } = o.limits;
  if (authFailures) {
    api.addHook('onRequest', authFailures.onRequest);
    api.addHook('onSend', authFailures.onSend);
  }
  if (rateLimit) api.addHook('onRequest', rateLimit);
  api.addHook('onSend', callMetricsHook(o.metrics));
  if (o.controlPlane) api.addHook('onSend', journalHook(o.controlPlane.journal));
}

const firstHeader = (value: string | string[] | undefined) => (Array.isArray(value) ? value[0] : value);

/**
 * preHandler: who calls, for actions that need a credential (a refusal is kept in `req.authFailure`). With
 * `X-Author-Id` (not empty), where the version's rules accept it (`botAuthorHeader`: v3.5 and lower), the agent's
 * credential acts as the bot it names (bots/author.ts); where they do not (v3.6), the call is refused (`validation`).
 */
function authenticate(auth: Authenticator, rules: VersionRules): preHandlerAsyncHookHandler {
  return async (req) => {
    const action = req.call?.action;
    if (!action || action.auth === 'none') return;
    try {
      let caller = await auth.authenticate(req.headers.authorization, firstHeader(req.headers['x-region']));
      const author = firstHeader(req.headers['x-author-id']);
      if (author !== undefined && author !== '') {
        if (!rules.botAuthorHeader) {
          throw new ApiError('validation', 'The `X-Author-Id` header is not supported in this version: authorize bots with bot tokens (issue_bot_token)');
        }
        caller = await auth.actAsBot(caller, author);
      }
      req.caller = caller;
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
  const { dispatcher, served } = o;
  const scope: CallScope = scopeOf(o.versions, served.name);
  api.decorateRequest('authFailure', null);
  // Every answer of a legacy or deprecated version, errors included, says when its stage ends.
  if (served.header) {
    const { name, value } = served.header;
    api.addHook('onRequest', (_req, reply, done) => {
      reply.header(name, value);
      done();
    });
  }
  observeCalls(api, o, served.registry, { calls: callTable(served.registry, served.path, o.metrics.requests), path: served.path });
  api.addHook('preHandler', authenticate(o.auth, served.rules));
  if (o.controlPlane) api.addHook('preHandler', faultsHook(o.controlPlane.faults));
  api.addHook('preHandler', authorize);
  const answersLeave = turnEnd();

  const run = async (req: FastifyRequest, reply: FastifyReply, body: unknown) => {
    const call = req.call;
    if (!call?.action) throw new ApiError('not_found', `Unknown action: ${call?.name ?? ''}`);
    if (call.batch) {
      const { requests } = batchValidator(body);
      const responses = await dispatcher.runBatch(scope, call.action, req.caller, req.log, requests, req.id);
      await answersLeave();
      return reply.send({ responses });
    }
    const out = await dispatcher.runSingle(scope, call.action, req.caller, req.log, body);
    await answersLeave();
    if (out instanceof RawJson) return reply.type('application/json; charset=utf-8').send(out.body);
    return reply.send(out);
  };
  api.post(`${ACTION_PATH}/:action`, (req, reply) => run(req, reply, req.body));
  // GET: the actions the version serves by GET, their input from the query string; any other call 405.
  api.route({
    method: OTHER_METHODS,
    url: `${ACTION_PATH}/:action`,
    handler: (req, reply) => (req.method === 'GET' && req.call?.action?.get ? run(req, reply, queryInput(req.call.action.schema, req.query)) : methodNotAllowed(req, reply)),
  });
};

/** The action API of the version `served` under `/v<version>`. */
export async function registerActionApi(app: FastifyInstance, served: ServedVersion, o: ActionApiOptions): Promise<void> {
  await app.register(actionApi, { ...o, served, prefix: `/${served.path}` });
}

/**
 * The action paths of versions not served, observed as calls like the served ones (no authentication): a POST
 * answers `unsupported_version`, any other method 405.
 */
export const otherCalls: FastifyPluginAsyncTypebox<ActionApiOptions> = async (api, o) => {
  observeCalls(api, o, o.versions.table(o.versions.base), null);
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
