/**
 * The HTTP server: the Fastify instance and what applies to every request (request ids and the log line, the drain
 * state, transport limits, the body parser, the error format), then the surfaces, each one encapsulated plugin with
 * its own hooks (anchors §1):
 *
 * - the public API, the browser-facing scope (CORS): the action API of each served version (http/actions/: lifecycle
 *   header, identify, limits, authentication, fault rules, authorization, dispatch, metrics, journal), the calls of
 *   versions not served, and the OpenAPI documents (one per version) with the docs page;
 * - operating routes: `/healthz`, `/readyz`, `/metrics`, `GET /`;
 * - the control plane (`/admin/`, `/console`; src/app.ts registers it when ADMIN_TOKEN is set).
 */
import Fastify, { LogController, type FastifyInstance, type FastifySchemaValidationError } from 'fastify';
import { ApiError } from '../kernel/errors.js';
import { fieldName } from '../kernel/validation.js';
import type { Registry } from '../kernel/registry.js';
import type { VersionedRegistry } from '../kernel/versions.js';
import type { Authenticator } from './auth.js';
import { rateLimitHook } from './rate-limit.js';
import { errorBody, type Dispatcher } from './dispatch.js';
import type { Store } from '../store/store.js';
import type { HttpLimitsConfig, OpsConfig, RateLimitConfig, TrustProxy } from '../config.js';
import type { RateCounters } from '../shared-state/rate-counters.js';
import type { AuthFailureHooks } from './auth-failures.js';
import { closeSlowClientsOnShutdown, onCheckExpectation, transportOptions } from './transport.js';
import { parseJsonBody } from './json-body.js';
import { Lifecycle, registerDrain } from './lifecycle.js';
import { registerHealth } from './health.js';
import { Metrics, registerMetricsRoute } from './metrics.js';
import { genReqId, registerTelemetry } from './telemetry.js';
import { registerCors } from './cors.js';
import { registerEdges } from './edges.js';
import { lazyOpenApiDocuments, openApiRoutes, type OpenApiOptions } from './openapi.js';
import { docsRoutes } from './docs.js';
import { otherCalls, registerActionApi, type ActionApiOptions } from './actions/plugin.js';
import type { ControlPlane } from './control-plane.js';

export interface ServerOptions {
  /** Every served version's actions (kernel/versions.ts). */
  versions: VersionedRegistry;
  auth: Authenticator;
  dispatcher: Dispatcher;
  logger?: boolean | object;
  /** Per-credential request limit (off when max is 0). */
  rateLimit: RateLimitConfig;
  /** Where requests are counted for it (null: this process's memory). */
  rateCounters: RateCounters | null;
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
  /** The failed-authentication limit per client address (null: off). */
  authFailures: AuthFailureHooks | null;
  /** Header, request and keep-alive time-outs. */
  transport: HttpLimitsConfig;
  /** Take the client address from X-Forwarded-For (Fastify's trustProxy). */
  trustProxy: TrustProxy;
  /** `GET /openapi.json` and `GET /docs`: servers listed, routes of other modules documented (e.g. `/admin/`). */
  openApi?: OpenApiOptions;
  /** The journal and fault rules the action pipeline records into and applies (ADMIN_TOKEN set), or null. */
  controlPlane: ControlPlane | null;
}

/**
 * Request validation failures of the routes that declare Fastify schemas (control plane, console), worded as the
 * API's: the first problem, the field in backticks (e.g. "`license_id` must be integer").
 */
function validationError(errors: FastifySchemaValidationError[], dataVar: string): Error {
  const e = errors[0];
  const missing = e?.keyword === 'required' ? e.params.missingProperty : undefined;
  const field = fieldName(`${e?.instancePath ?? ''}${typeof missing === 'string' ? `/${missing}` : ''}`) || dataVar;
  return new ApiError('validation', e?.keyword === 'required' ? `\`${field}\` is required` : `\`${field}\` ${e?.message ?? 'is not valid'}`);
}

export async function buildServer(opts: ServerOptions): Promise<FastifyInstance> {
  const { versions, ops, metrics, lifecycle } = opts;
  const base = {
    logger: opts.logger ?? false,
    bodyLimit: 1024 * 1024,
    forceCloseConnections: false,
    trustProxy: opts.trustProxy,
    ...transportOptions(opts.transport),
    genReqId,
    // One line per request instead, without headers (telemetry.ts).
    logController: new LogController({ disableRequestLogging: true }),
    schemaErrorFormatter: validationError,
  };
  // HTTPS: HTTP/2 negotiated by ALPN, HTTP/1.1 still accepted. Handlers only use the common request/reply API.
  const app = opts.tls
    ? (Fastify as unknown as (o: object) => FastifyInstance)({ ...base, http2: true, https: { allowHTTP1: true, key: opts.tls.key, cert: opts.tls.cert } })
    : Fastify(base);
  app.decorate('versions', versions);
  app.decorate('registry', versions.table(versions.base));
  registerTelemetry(app);
  registerDrain(app, lifecycle);
  app.server.on('checkExpectation', onCheckExpectation);
  closeSlowClientsOnShutdown(app, opts.transport);
  registerEdges(app, versions.versions.map((v) => ({ version: v.name, stage: v.stage, end_date: v.endDate })));

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

  // The public API: browser-facing (CORS), the actions of each served version and the OpenAPI document.
  await app.register(async (api) => {
    await registerCors(api, ops.corsOrigins);
    const pipeline: ActionApiOptions = {
      versions,
      auth: opts.auth,
      dispatcher: opts.dispatcher,
      metrics,
      limits: { authFailures: opts.authFailures, rateLimit: await rateLimitHook(api, opts.rateLimit, opts.rateCounters) },
      controlPlane: opts.controlPlane,
    };
    for (const served of versions.versions) await registerActionApi(api, served, pipeline);
    await api.register(otherCalls, pipeline);
    const openApi = { ...opts.openApi, ...lazyOpenApiDocuments(versions, opts.openApi ?? {}) };
    await api.register(openApiRoutes, openApi);
    await api.register(docsRoutes, openApi);
  });
  registerHealth(app, { store: opts.store, lifecycle, timeoutMs: ops.readinessTimeoutMs });
  registerMetricsRoute(app, metrics, ops.metricsToken);
  return app;
}

declare module 'fastify' {
  interface FastifyInstance {
    /** Every served version's actions, keyed by (version, action): what the server dispatches through. */
    versions: VersionedRegistry;
    /** The base version's (v3.5) table of `versions`. */
    registry: Registry;
  }
}
