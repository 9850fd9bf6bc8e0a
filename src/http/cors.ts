/**
 * CORS for browser integrations, per `CORS_ORIGINS`: `*` any origin, a list of origins, or `off`. Preflights are
 * answered; `Authorization`, `Content-Type`, `X-Region`, `X-Request-Id` and `X-Author-Id` (v3.5 and lower: an agent
 * token acting as a bot) may be sent, and `X-Request-Id` and `Retry-After` are readable by the page. No cookies are
 * involved, so no credentials mode.
 *
 * The headers are those @fastify/cors wrote (`Access-Control-Allow-Origin`: `*`, or the request's origin when listed;
 * `Access-Control-Expose-Headers`; `Vary: Origin` with a list), written by one callback-style onRequest hook that
 * does nothing for a request without `Origin` (every server-to-server call: a browser always sends `Origin` on a
 * cross-origin request, and the headers mean nothing to anyone else), so those calls do not pay for CORS. An
 * `OPTIONS` is always answered with them, `Origin` or not (it is how a client probes).
 *
 * A preflight is an `OPTIONS` with `Origin` and `Access-Control-Request-Method`: answered 204 here. Any other
 * `OPTIONS` is an ordinary request, answered as without CORS (405 on an action route, see edges.ts; 404 elsewhere)
 * with the CORS headers.
 */
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { OpsConfig } from '../config.js';

const PREFLIGHT_HEADERS = {
  'access-control-allow-methods': 'GET, POST',
  'access-control-allow-headers': 'Authorization, Content-Type, X-Region, X-Request-Id, X-Author-Id',
  'access-control-max-age': '600',
  'content-length': '0',
};
const EXPOSED = 'X-Request-Id, Retry-After';

export async function registerCors(app: FastifyInstance, origins: OpsConfig['corsOrigins']): Promise<void> {
  if (origins === 'off') return;
  const any = origins === '*' || origins.includes('*');
  const listed = new Set(any ? [] : origins);
  /** The CORS headers of an answer to `origin` (the request's `Origin`, possibly absent on an OPTIONS). */
  const addHeaders = (reply: FastifyReply, origin: string | undefined): void => {
    if (any) reply.header('access-control-allow-origin', '*');
    else {
      reply.header('vary', 'Origin');
      if (origin !== undefined && listed.has(origin)) reply.header('access-control-allow-origin', origin);
    }
    reply.header('access-control-expose-headers', EXPOSED);
  };
  app.addHook('onRequest', (req, reply, done) => {
    const origin = req.headers.origin;
    const options = req.method === 'OPTIONS';
    if (origin === undefined && !options) return done();
    addHeaders(reply, origin);
    if (!options || !origin || !req.headers['access-control-request-method']) return done();
    // As @fastify/cors answers a preflight: whether the origin is allowed is said by Access-Control-Allow-Origin alone.
    reply.code(204).headers(PREFLIGHT_HEADERS).send();
  });
}
