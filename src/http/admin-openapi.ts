/**
 * The control plane's routes (ADMIN_ROUTES) as an OpenAPI extension: one path item per route under the tag `admin`,
 * with its own security scheme (the ADMIN_TOKEN bearer), parameters, body, 200 answer and errors in the error format.
 */
import type { TSchema } from '@sinclair/typebox';
import { ERROR_TYPES, type ErrorType } from '../kernel/errors.js';
import { errorBodySchema } from '../kernel/responses.js';
import { ADMIN_ROUTES, openApiPath, type AdminRouteDefinition } from './admin.js';
import { jsonSchema, type OpenApiExtension } from './openapi.js';

type Json = Record<string, unknown>;

/** The errors a control-plane route answers: bad input, a wrong admin token, unknown ids, and the unexpected. */
const ADMIN_ERRORS: readonly ErrorType[] = ['validation', 'authentication', 'not_found', 'internal'];

function parameters(where: 'path' | 'query', schema: TSchema | undefined): Json[] {
  const props = (schema?.properties ?? {}) as Record<string, TSchema>;
  const required = new Set<string>((schema?.required as string[] | undefined) ?? []);
  return Object.entries(props).map(([name, s]) => ({ name, in: where, required: where === 'path' || required.has(name), schema: jsonSchema(s) }));
}

export function adminOpenApiExtension(): OpenApiExtension {
  const paths: Record<string, Json> = {};
  for (const route of ADMIN_ROUTES as readonly AdminRouteDefinition[]) {
    const errors: Json = {};
    for (const type of ADMIN_ERRORS) {
      const status = String(ERROR_TYPES[type].status);
      errors[status] = {
        description: `Error type \`${type}\``,
        content: { 'application/json': { schema: jsonSchema(errorBodySchema([type])) } },
      };
    }
    const op: Json = {
      operationId: route.operationId,
      summary: route.summary,
      tags: ['admin'],
      security: [{ adminToken: [] }],
      parameters: [...parameters('path', route.schema.params), ...parameters('query', route.schema.querystring)],
      responses: { '200': { description: 'Success', content: { 'application/json': { schema: jsonSchema(route.schema.response[200]) } } }, ...errors },
    };
    if (route.schema.body) op.requestBody = { required: true, content: { 'application/json': { schema: jsonSchema(route.schema.body) } } };
    const path = openApiPath(route.url);
    paths[path] = { ...(paths[path] ?? {}), [route.method.toLowerCase()]: op };
  }
  return {
    tags: [{ name: 'admin', description: 'Control plane for tests and tooling (only with `ADMIN_TOKEN`; see README "Control plane").' }],
    paths,
    securitySchemes: {
      adminToken: { type: 'http', scheme: 'bearer', description: 'The server\'s `ADMIN_TOKEN` (never an API token).' },
    },
  };
}
