/**
 * `GET /docs`: an interactive API reference (Swagger UI) rendered from the OpenAPI document of openapi.ts.
 * Every asset comes from this server (the swagger-ui-dist files inside @fastify/swagger-ui); no CDN, no validator
 * badge, and a Content-Security-Policy that lets the page reach only its own origin.
 */
import type { FastifyInstance } from 'fastify';
import fastifySwagger from '@fastify/swagger';
import fastifySwaggerUi from '@fastify/swagger-ui';
import { buildOpenApiDocument, withServers, type OpenApiOptions } from './openapi.js';

export const DOCS_PATH = '/docs';

/** Only this origin: scripts, styles, the document (`connect-src`) and "Try it out" calls. */
const CSP =
  "default-src 'self'; base-uri 'self'; connect-src 'self'; font-src 'self' data:; img-src 'self' data:; " +
  "object-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; frame-ancestors 'self'";

export async function docsRoutes(app: FastifyInstance, opts: OpenApiOptions): Promise<void> {
  const document = buildOpenApiDocument(app.registry, opts);
  // Static mode: @fastify/swagger only holds our generated document (it does not collect routes).
  await app.register(fastifySwagger, { mode: 'static', specification: { document: document as never } });
  await app.register(fastifySwaggerUi, {
    routePrefix: DOCS_PATH,
    staticCSP: CSP,
    theme: { title: 'Configuration API v3.5 — reference' },
    uiConfig: {
      validatorUrl: null,
      docExpansion: 'list',
      deepLinking: true,
      displayOperationId: true,
      defaultModelsExpandDepth: 0,
      tryItOutEnabled: false,
    },
    transformSpecificationClone: false,
    transformSpecification: (doc, req) => withServers(doc as Record<string, unknown>, req, opts) as never,
  });
}
