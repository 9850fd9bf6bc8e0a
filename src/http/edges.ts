/**
 * HTTP edges: a POST without a body is `{}` whatever its headers; any other method on an action route answers 405
 * with `Allow: POST` in the error format (`OPTIONS` too, unless it is a CORS preflight, which cors.ts answers before
 * routing); `GET /` answers a small JSON index.
 */
import type { FastifyInstance, HTTPMethods } from 'fastify';
import { packageInfo } from '../package-info.js';
import { HttpStatusError } from '../kernel/errors.js';

export interface EdgeOptions {
  actionRoute: string;
}

export function registerEdges(app: FastifyInstance, o: EdgeOptions): void {
  // Fastify runs no content-type parser for a request without Content-Type and with no body (body undefined).
  app.addHook('preValidation', (req, _reply, done) => {
    if (req.method === 'POST' && req.body === undefined) req.body = {};
    done();
  });

  const methods: HTTPMethods[] = ['GET', 'HEAD', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'];
  app.route({
    method: methods,
    url: o.actionRoute,
    handler: async (req, reply) => {
      reply.header('allow', 'POST');
      throw new HttpStatusError(405, 'validation', `Method ${req.method} not allowed; actions are called with POST`, { allow: ['POST'] });
    },
  });

  const { name, version } = packageInfo();
  const index = {
    name,
    version,
    api: '/v3.5/configuration/action/<action>',
    links: { docs: '/docs', openapi: '/openapi.json', health: '/healthz', readiness: '/readyz', metrics: '/metrics' },
  };
  app.get('/', async () => index);
}
