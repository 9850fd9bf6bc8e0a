/**
 * Request ids, the one log line per request, and the request metrics of action calls.
 *
 * - A well-formed incoming `X-Request-Id` (1–128 of `A-Z a-z 0-9 . _ : @ / + = -`) is the request's id, otherwise a
 *   UUID is generated (`genReqId`, given to Fastify). Every response carries it back in `X-Request-Id`, and every log
 *   line of the request has it as `reqId` (Fastify's child logger).
 * - Fastify's own request/response logging is off (`disableRequestLogging`): instead one line per request when its
 *   answer is sent, with method, path, action, licence id, caller kind, status, error type and duration. No header is logged,
 *   so neither tokens nor PATs ever reach the log.
 * - `callMetricsHook` counts and times action calls by version and action; the action pipeline registers it
 *   (http/actions/), so other routes never pay for it.
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { FastifyInstance, onSendHookHandler } from 'fastify';
import type { Caller } from '../kernel/caller.js';
import type { Metrics } from './metrics.js';
import type { ActionCall } from './actions/call.js';

export const REQUEST_ID_HEADER = 'x-request-id';
const WELL_FORMED_ID = /^[A-Za-z0-9._:@/+=-]{1,128}$/;

/** The request's id: the client's `X-Request-Id` when well formed, else a new UUID. */
export function genReqId(req: IncomingMessage): string {
  const given = req.headers[REQUEST_ID_HEADER];
  return typeof given === 'string' && WELL_FORMED_ID.test(given) ? given : randomUUID();
}

/** The error type of an error answer, read from the start of its serialised body. */
const ERROR_TYPE = /^\{"error":\{"type":"([a-z_]{1,40})"/;

/** The error type of an answer (null for successes and bodies not in the error format). */
export function errorTypeOf(status: number, payload: unknown): string | null {
  return status >= 400 && typeof payload === 'string' ? (ERROR_TYPE.exec(payload)?.[1] ?? null) : null;
}

/** Is `level` logged? (pino's isLevelEnabled; loggers without it, e.g. Fastify's no-op one, count as on.) */
const levelOn = (log: unknown, level: string): boolean =>
  (log as { isLevelEnabled?: (l: string) => boolean }).isLevelEnabled?.(level) ?? true;

/** Request ids and the log line, for every request (root hooks); the request's action call and caller, decorated. */
export function registerTelemetry(app: FastifyInstance): void {
  // One shape for every request object: the action pipeline fills these in.
  app.decorateRequest('call', null);
  app.decorateRequest('caller', null);

  // Callback-style hooks (no promise per request); log objects are built only when their level is on.
  app.addHook('onRequest', (req, reply, done) => {
    reply.header(REQUEST_ID_HEADER, req.id);
    if (levelOn(req.log, 'debug')) req.log.debug({ method: req.method, path: req.url.split('?')[0] }, 'incoming request');
    done();
  });
  // When the answer is ready to go (so the line exists before the client sees the answer).
  app.addHook('onSend', (req, reply, payload, done) => {
    if (levelOn(req.log, 'info')) {
      const status = reply.statusCode;
      req.log.info(
        {
          method: req.method,
          path: req.url.split('?')[0],
          action: req.call?.label ?? null,
          license_id: req.caller?.licenseId ?? null,
          caller: req.caller?.kind ?? null,
          status,
          error_type: errorTypeOf(status, payload),
          duration_ms: Math.round(reply.elapsedTime * 100) / 100,
        },
        'request',
      );
    }
    done(null, payload);
  });
}

/** How many items a batch call's body holds (null when it has no `requests` list). */
function batchLength(body: unknown): number | null {
  return typeof body === 'object' && body !== null && 'requests' in body && Array.isArray(body.requests) ? body.requests.length : null;
}

/**
 * The action pipeline's onSend hook: each call counted and timed under its version and action (its series, bound in
 * advance: http/call-metrics.ts), and a batch's size.
 */
export function callMetricsHook(metrics: Metrics): onSendHookHandler {
  return (req, reply, payload, done) => {
    const call = req.call;
    if (call) {
      const status = reply.statusCode;
      call.series.observe(status, errorTypeOf(status, payload) ?? '', reply.elapsedTime / 1000);
      if (call.batch) {
        const items = batchLength(req.body);
        if (items !== null) metrics.batchSize.observe({ action: call.label }, items);
      }
    }
    done(null, payload);
  };
}

declare module 'fastify' {
  interface FastifyRequest {
    /** The action call this request is (set by the action pipeline; null on other routes). */
    call: ActionCall | null;
    /** Who called, once authenticated (set by the action pipeline; null before or without authentication). */
    caller: Caller | null;
  }
}
