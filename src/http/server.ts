/**
 * HTTP server: `POST /<version>/configuration/action/<action>` dispatched through the action registry.
 * Pipeline: version → action → authentication (region, licence) → scopes → validation → handler (one transaction),
 * see `Dispatcher` for what happens after authentication.
 */
import Fastify, { LogController, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { Type } from '@sinclair/typebox';
import { ApiError } from '../kernel/errors.js';
import type { Authenticator } from './auth.js';
import type { Caller, Registry } from '../kernel/registry.js';
import { requireAnyScope } from '../kernel/scopes.js';
import { compileValidator } from '../kernel/validation.js';
import { RawJson } from '../kernel/raw-json.js';
import { registerRateLimit, routeRateLimit } from './rate-limit.js';
import type { RateLimitConfig } from '../config.js';
import { errorBody, type Dispatcher } from './dispatch.js';
import type { Store } from '../store/db.js';
import type { OpsConfig } from '../config.js';
import { Lifecycle, registerDrain } from './lifecycle.js';
import { registerHealth } from './health.js';
import { Metrics, registerMetricsRoute } from './metrics.js';
import { genReqId, registerTelemetry } from './telemetry.js';
import { registerCors } from './cors.js';
import { registerEdges } from './edges.js';

export const API_VERSION = 'v3.5';
/** Maximum number of items in one batch request. */
export const MAX_BATCH_SIZE = 100;
/** The one API route. */
export const ACTION_ROUTE = '/:version/configuration/action/:action';

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
}

const batchValidator = compileValidator(
  Type.Object({ requests: Type.Array(Type.Any(), { maxItems: MAX_BATCH_SIZE }) }, { additionalProperties: false }),
);

function containsNul(v: unknown): boolean {
  if (typeof v === 'string') return v.includes('\0');
  if (Array.isArray(v)) return v.some(containsNul);
  if (v && typeof v === 'object') return Object.entries(v).some(([k, x]) => k.includes('\0') || containsNul(x));
  return false;
}

export async function buildServer(opts: ServerOptions): Promise<FastifyInstance> {
  const { registry, auth, dispatcher, ops, metrics, lifecycle } = opts;
  const base = {
    logger: opts.logger ?? false,
    bodyLimit: 1024 * 1024,
    // Draining is answered by registerDrain in the error format (Fastify's own 503 has its default body).
    return503OnClosing: false,
    forceCloseConnections: false,
    genReqId,
    // One line per request instead, without headers (telemetry.ts).
    logController: new LogController({ disableRequestLogging: true }),
  };
  // HTTPS: HTTP/2 negotiated by ALPN, HTTP/1.1 still accepted. Handlers only use the common request/reply API.
  const app = opts.tls
    ? (Fastify as unknown as (o: object) => FastifyInstance)({ ...base, http2: true, https: { allowHTTP1: true, key: opts.tls.key, cert: opts.tls.cert } })
    : Fastify(base);
  app.decorateRequest('apiCaller', null);
  registerTelemetry(app, { registry, metrics, actionRoute: ACTION_ROUTE });
  await registerCors(app, ops.corsOrigins);
  registerDrain(app, lifecycle);
  registerEdges(app, { actionRoute: ACTION_ROUTE, corsEnabled: ops.corsOrigins !== 'off' });
  registerHealth(app, { store: opts.store, lifecycle, timeoutMs: ops.readinessTimeoutMs });
  registerMetricsRoute(app, metrics, ops.metricsToken);

  // Every body is JSON; an empty body means {}.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'string' }, (_req, body, done) => {
    const text = typeof body === 'string' ? body : body.toString('utf8');
    if (text.trim() === '') return done(null, {});
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      return done(new ApiError('validation', 'Malformed JSON in request body'), undefined);
    }
    // NUL characters cannot be stored (PostgreSQL text refuses them): refuse them in any key or string.
    if (text.includes('\\u0000') && containsNul(value)) {
      return done(new ApiError('validation', 'Strings in the request body must not contain NUL (\\u0000) characters'), undefined);
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
  app.post(ACTION_ROUTE, limit ? { config: { rateLimit: limit } } : {}, dispatch);
  return app;
}
