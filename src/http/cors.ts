/**
 * CORS for browser integrations (@fastify/cors), per `CORS_ORIGINS`: `*` any origin, a list of origins, or `off`.
 * Preflights are answered; `Authorization`, `Content-Type`, `X-Region`, `X-Request-Id` and `X-Author-Id` (v3.5 and
 * lower: an agent token acting as a bot) may be sent, and
 * `X-Request-Id` and `Retry-After` are readable by the page. No cookies are involved, so no credentials mode.
 *
 * A preflight is an `OPTIONS` with `Origin` and `Access-Control-Request-Method`; any other `OPTIONS` is an ordinary
 * request, answered as without CORS (405 on an action route, see edges.ts; 404 elsewhere) with the CORS headers. The
 * plugin cannot do that: it takes every `OPTIONS` for a preflight, and answers one without those headers
 * `400 Invalid Preflight Request` as plain text (`strictPreflight`, its default) or 204 (without it). So its
 * preflight handling is off and the preflight is answered here, after the plugin has added the CORS headers.
 */
import type { FastifyInstance } from 'fastify';
import cors from '@fastify/cors';
import type { OpsConfig } from '../config.js';

const PREFLIGHT_HEADERS = {
  'access-control-allow-methods': 'GET, POST',
  'access-control-allow-headers': 'Authorization, Content-Type, X-Region, X-Request-Id, X-Author-Id',
  'access-control-max-age': '600',
  'content-length': '0',
};

export async function registerCors(app: FastifyInstance, origins: OpsConfig['corsOrigins']): Promise<void> {
  if (origins === 'off') return;
  await app.register(cors, {
    origin: origins === '*' ? '*' : origins,
    exposedHeaders: ['X-Request-Id', 'Retry-After'],
    preflight: false,
  });
  app.addHook('onRequest', (req, reply, done) => {
    if (req.method !== 'OPTIONS' || !req.headers.origin || !req.headers['access-control-request-method']) return done();
    // As the plugin answers a preflight: whether the origin is allowed is said by Access-Control-Allow-Origin alone.
    reply.code(204).headers(PREFLIGHT_HEADERS).send();
  });
}
