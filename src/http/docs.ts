/**
 * `GET /docs`: an interactive API reference (Swagger UI) rendered from the OpenAPI documents of openapi.ts, one per
 * served API version, switched by the version menu of its top bar (`/docs/json?version=3.6`; the stable version first).
 * Every asset comes from this server (the swagger-ui-dist files inside @fastify/swagger-ui); no CDN, no validator
 * badge, and a Content-Security-Policy that lets the page reach only its own origin.
 */
import type { FastifyInstance } from 'fastify';
import fastifySwagger from '@fastify/swagger';
import fastifySwaggerUi from '@fastify/swagger-ui';
import { requestedVersion, withServers, type OpenApiRouteOptions } from './openapi.js';

export const DOCS_PATH = '/docs';

/** Only this origin: scripts, styles, the document (`connect-src`) and "Try it out" calls. */
const CSP =
  "default-src 'self'; base-uri 'self'; connect-src 'self'; font-src 'self' data:; img-src 'self' data:; " +
  "object-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; frame-ancestors 'self'";

/**
 * What @fastify/swagger holds. Its static mode wants a document when it registers, but every route of
 * @fastify/swagger-ui that serves one (`/docs/json`, `/docs/yaml`) goes through `transformSpecification` below, which
 * answers the generated document instead: built on the first request, not at every start.
 */
const REGISTERED_DOCUMENT = { openapi: '3.1.0', info: { title: 'Configuration API', version: 'any' }, paths: {} };

const versionLabel = (v: { name: string; stage: string }) => `v${v.name} (${v.stage})`;

/** The top bar's version menu: one document per served version, newest first, the default one selected. */
function versionMenu(opts: OpenApiRouteOptions) {
  const def = opts.versions.find((v) => v.name === opts.defaultVersion)!;
  return {
    urls: [...opts.versions].reverse().map((v) => ({ url: `${DOCS_PATH}/json?version=${v.name}`, name: versionLabel(v) })),
    'urls.primaryName': versionLabel(def),
  };
}

export async function docsRoutes(app: FastifyInstance, opts: OpenApiRouteOptions): Promise<void> {
  // Static mode: @fastify/swagger does not collect routes.
  await app.register(fastifySwagger, { mode: 'static', specification: { document: REGISTERED_DOCUMENT as never } });
  await app.register(fastifySwaggerUi, {
    routePrefix: DOCS_PATH,
    staticCSP: CSP,
    theme: { title: 'Configuration API — reference' },
    uiConfig: {
      ...versionMenu(opts),
      validatorUrl: null,
      docExpansion: 'list',
      deepLinking: true,
      displayOperationId: true,
      defaultModelsExpandDepth: 0,
      tryItOutEnabled: false,
    },
    transformSpecificationClone: false,
    transformSpecification: (_registered, req) => withServers(opts.document(requestedVersion(req.query)), req, opts) as never,
  });
}
