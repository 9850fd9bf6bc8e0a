/**
 * HTTP server: `POST /<version>/configuration/action/<action>` dispatched through the action registry.
 * Pipeline: version → action → authentication (region, licence) → scopes → validation → handler (one transaction),
 * see `Dispatcher` for what happens after authentication.
 */
import Fastify, { LogController, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { Type } from '@sinclair/typebox';
import { ApiError } from '../kernel/errors.js';
import type { Authenticator } from './auth.js';
import { MAX_BATCH_SIZE, type Caller, type Registry } from '../kernel/registry.js';
import { requireAnyScope } from '../kernel/scopes.js';
import { compileValidator } from '../kernel/validation.js';
import { batchRequestSchema } from '../kernel/responses.js';
import { RawJson } from '../kernel/raw-json.js';
import { registerRateLimit, routeRateLimit } from './rate-limit.js';
import type { RateLimitConfig } from '../config.js';
import { errorBody, type Dispatcher } from './dispatch.js';
import type { Store } from '../store/store.js';
import type { AuthFailureConfig, HttpLimitsConfig, OpsConfig, TrustProxy } from '../config.js';
import { authFailureLimiter } from './auth-failures.js';
import { closeSlowClientsOnShutdown, onCheckExpectation, transportOptions } from './transport.js';
import { parseJsonBody } from './json-body.js';
import { Lifecycle, registerDrain } from './lifecycle.js';
import { registerHealth } from './health.js';
import { Metrics, registerMetricsRoute } from './metrics.js';
import { genReqId, registerTelemetry } from './telemetry.js';
import { registerCors } from './cors.js';
import { registerEdges } from './edges.js';
import { lazyOpenApiDocument, openApiRoutes, type OpenApiOptions } from './openapi.js';
import { docsRoutes } from './docs.js';

import { ACTION_ROUTE, API_VERSION } from './action-route.js';

export interface ServerOptions {
  registry: Registry;
  auth: Authenticator;
  dispatcher: Dispatcher;
  logger?: boolean | object;
  /** Per-credential request limit (off when max is 0). */
  rateLimit: RateLimitConfig;
  /** HTTPS with HTTP/2 (ALPN) and HTTP/1.1; plain HTTP/1.1 when absent. */
  tls?: { key: string | Buffer; cert: string | Buffer };
  /** For readiness (and metrics). */
  store: Store;
  /** Readiness, metrics, CORS. */
  ops: OpsConfig;
  /** This app's metrics. */
  metrics: Metrics;
  /** Drain state shared with `serve`. */
  lifecycle: Lifecycle;
  /** Failed authentications per client address (limit 0 = off). */
  authFailures: AuthFailureConfig;
  /** Header, request and keep-alive time-outs. */
  transport: HttpLimitsConfig;
  /** Take the client address from X-Forwarded-For (Fastify's trustProxy). */
  trustProxy: TrustProxy;
  /** `GET /openapi.json` and `GET /docs`: servers listed, routes of other modules documented (e.g. `/admin/`). */
  openApi?: OpenApiOptions;
}

const batchValidator = compileValidator(batchRequestSchema(Type.Any(), MAX_BATCH_SIZE));

export async function buildServer(opts: ServerOptions): Promise<FastifyInstance> {
  const { registry, auth, dispatcher, ops, metrics, lifecycle } = opts;
  const base = {
    logger: opts.logger ?? false,
    bodyLimit: 1024 * 1024,
    forceCloseConnections: false,
    trustProxy: opts.trustProxy,
    ...transportOptions(opts.transport),
    genReqId,
    // One line per request instead, without headers (telemetry.ts).
    logController: new LogController({ disableRequestLogging: true }),
  };
  // HTTPS: HTTP/2 negotiated by ALPN, HTTP/1.1 still accepted. Handlers only use the common request/reply API.
  const app = opts.tls
    ? (Fastify as unknown as (o: object) => FastifyInstance)({ ...base, http2: true, https: { allowHTTP1: true, key: opts.tls.key, cert: opts.tls.cert } })
    : Fastify(base);
  app.decorateRequest('apiCaller', null);
  app.decorate('registry', registry);
  registerTelemetry(app, { registry, metrics, actionRoute: ACTION_ROUTE });
  await registerCors(app, ops.corsOrigins);
  registerDrain(app, lifecycle);
  app.server.on('checkExpectation', onCheckExpectation);
  closeSlowClientsOnShutdown(app, opts.transport);
  registerEdges(app, { actionRoute: ACTION_ROUTE });
  registerHealth(app, { store: opts.store, lifecycle, timeoutMs: ops.readinessTimeoutMs });
  registerMetricsRoute(app, metrics, ops.metricsToken);

  // Every body is JSON (see json-body.ts); an empty body means {}.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (_req, body, done) => {
    let value: unknown;
    try {
      value = parseJsonBody(body);
    } catch (err) {
      return done(err as Error, undefined);
    }
    done(null, value);
  });

  app.setErrorHandler((err, req, reply) => {
    if (err instanceof ApiError) return reply.code(err.status).send(err.toBody());
    const status = (err as { statusCode?: number }).statusCode;
    if (status && status >= 400 && status < 500) {
      const type = status === 429 ? 'too_many_requests' : status === 404 ? 'not_found' : 'validation';
      const e = new ApiError(type, status === 413 ? 'Request body too large' : (err as Error).message);
      return reply.code(e.status).send(e.toBody());
    }
    const { status: s, body } = errorBody(err, req.log, req.id);
    // The database is away (store/health.ts): worth retrying soon, on this server or another.
    if (s === 503) reply.header('retry-after', '1');
    return reply.code(s).send(body);
  });
  app.setNotFoundHandler((req, reply) => {
    const e = new ApiError('not_found', `No route for ${req.method} ${req.url.split('?')[0]}`);
    reply.code(e.status).send(e.toBody());
  });

  async function dispatch(req: FastifyRequest, reply: FastifyReply) {
    const { version, action: name } = req.params as { version: string; action: string };
    if (version !== API_VERSION) throw new ApiError('unsupported_version');
    const batch = registry.batches.get(name);
    const action = batch ? batch.action : registry.get(name);
    if (!action) throw new ApiError('not_found', `Unknown action: ${name}`);

    let caller: Caller = null as unknown as Caller;
    if (action.auth !== 'none') {
      const xRegion = req.headers['x-region'];
      caller = await auth.authenticate(req.headers.authorization, Array.isArray(xRegion) ? xRegion[0] : xRegion);
      req.caller = caller;
      if (caller.suspended && !action.allowSuspended) {
        throw new ApiError('authorization', 'The agent is suspended');
      }
      req.apiCaller = caller;
      requireAnyScope(caller.scopes, ...action.requiredAnyOf);
    }
    if (!batch) {
      const out = await dispatcher.runSingle(action, caller, req.log, req.body);
      if (out instanceof RawJson) return reply.type('application/json; charset=utf-8').send(out.body);
      return reply.send(out);
    }
    const { requests } = batchValidator(req.body) as { requests: unknown[] };
    return reply.send({ responses: await dispatcher.runBatch(action, caller, req.log, requests, req.id) });
  }

  await registerRateLimit(app, opts.rateLimit);
  const limit = routeRateLimit(opts.rateLimit);
  const authFailures = authFailureLimiter(opts.authFailures);
  app.post(ACTION_ROUTE, { ...(limit ? { config: { rateLimit: limit } } : {}), ...(authFailures ?? {}) }, dispatch);
  const openApi = { ...opts.openApi, document: lazyOpenApiDocument(app.registry, opts.openApi ?? {}) };
  await app.register(openApiRoutes, openApi);
  await app.register(docsRoutes, openApi);
  return app;
}

declare module 'fastify' {
  interface FastifyInstance {
    /** The action registry the server dispatches through (the OpenAPI document and the tests read it). */
    registry: Registry;
  }
}
