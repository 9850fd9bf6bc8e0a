/**
 * Request ids, the one log line per request, and the request metrics.
 *
 * - A well-formed incoming `X-Request-Id` (1–128 of `A-Z a-z 0-9 . _ : @ / + = -`) is the request's id, otherwise a
 *   UUID is generated (`genReqId`, given to Fastify). Every response carries it back in `X-Request-Id`, and every log
 *   line of the request has it as `reqId` (Fastify's child logger).
 * - Fastify's own request/response logging is off (`disableRequestLogging`): instead one line per request when its
 *   answer is sent, with method, path, action, licence id, caller kind, status, error type and duration. No header is logged,
 *   so neither tokens nor PATs ever reach the log.
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Caller, Registry } from '../kernel/registry.js';
import { UNKNOWN_ACTION, type Metrics } from './metrics.js';

export const REQUEST_ID_HEADER = 'x-request-id';
const WELL_FORMED_ID = /^[A-Za-z0-9._:@/+=-]{1,128}$/;

/** The request's id: the client's `X-Request-Id` when well formed, else a new UUID. */
export function genReqId(req: IncomingMessage): string {
  const given = req.headers[REQUEST_ID_HEADER];
  return typeof given === 'string' && WELL_FORMED_ID.test(given) ? given : randomUUID();
}

/** The error type of an error answer, read from the start of its serialised body. */
const ERROR_TYPE = /^\{"error":\{"type":"([a-z_]{1,40})"/;

export interface TelemetryOptions {
  registry: Registry;
  metrics: Metrics;
  /** The action route's URL pattern (its calls are counted and timed per action). */
  actionRoute: string;
}

/** Is `level` logged? (pino's isLevelEnabled; loggers without it, e.g. Fastify's no-op one, count as on.) */
const levelOn = (log: unknown, level: string): boolean =>
  (log as { isLevelEnabled?: (l: string) => boolean }).isLevelEnabled?.(level) ?? true;

export function registerTelemetry(app: FastifyInstance, o: TelemetryOptions): void {
  app.decorateRequest('caller', null);

  // Callback-style hooks (no promise per request); log objects are built only when their level is on.
  app.addHook('onRequest', (req, reply, done) => {
    reply.header(REQUEST_ID_HEADER, req.id);
    if (levelOn(req.log, 'debug')) req.log.debug({ method: req.method, path: req.url.split('?')[0] }, 'incoming request');
    done();
  });
  // When the answer is ready to go (so the line and the metrics exist before the client sees the answer).
  app.addHook('onSend', (req, reply, payload, done) => {
    const status = reply.statusCode;
    const errorType = status >= 400 && typeof payload === 'string' ? (ERROR_TYPE.exec(payload)?.[1] ?? null) : null;
    const isAction = req.routeOptions.url === o.actionRoute;
    const action = isAction ? actionLabel(o.registry, req) : null;
    if (levelOn(req.log, 'info')) req.log.info(
      {
        method: req.method,
        path: req.url.split('?')[0],
        action,
        license_id: req.caller?.licenseId ?? null,
        caller: req.caller?.kind ?? null,
        status,
        error_type: errorType,
        duration_ms: Math.round(reply.elapsedTime * 100) / 100,
      },
      'request',
    );
    if (action) {
      const labels = { action, status: String(status), error_type: errorType ?? '' };
      o.metrics.requests.inc(labels);
      o.metrics.requestDuration.observe(labels, reply.elapsedTime / 1000);
      const requests = (req.body as { requests?: unknown } | undefined)?.requests;
      if (o.registry.batches.has(action) && Array.isArray(requests)) o.metrics.batchSize.observe({ action }, requests.length);
    }
    done(null, payload);
  });
}

/** The spec name of the called action (aliases → their action), or UNKNOWN_ACTION: the label set stays bounded. */
function actionLabel(registry: Registry, req: FastifyRequest): string {
  const name = (req.params as { action?: string } | undefined)?.action ?? '';
  return registry.batches.get(name)?.name ?? registry.get(name)?.name ?? UNKNOWN_ACTION;
}

declare module 'fastify' {
  interface FastifyRequest {
    /** Who called, once authenticated (set by dispatch; null before or without authentication). */
    caller: Caller | null;
  }
}
