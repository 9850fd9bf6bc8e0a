/**
 * HTTP edges: a POST without a body is `{}` whatever its headers; `GET /` answers a small JSON index. (Another method
 * on an action path answers 405 from the action pipeline, http/actions/plugin.ts.)
 */
import type { FastifyInstance } from 'fastify';
import { packageInfo } from '../package-info.js';

/** A served API version as `GET /` lists it. */
export interface IndexedVersion {
  version: string;
  stage: string;
  end_date: string | null;
}

export function registerEdges(app: FastifyInstance, versions: readonly IndexedVersion[]): void {
  // Fastify runs no content-type parser for a request without Content-Type and with no body (body undefined).
  app.addHook('preValidation', (req, _reply, done) => {
    if (req.method === 'POST' && req.body === undefined) req.body = {};
    done();
  });

  const { name, version } = packageInfo();
  const index = {
    name,
    version,
    api: '/v<version>/configuration/action/<action>',
    versions,
    links: { docs: '/docs', openapi: '/openapi.json', health: '/healthz', readiness: '/readyz', metrics: '/metrics' },
  };
  app.get('/', async () => index);
}
