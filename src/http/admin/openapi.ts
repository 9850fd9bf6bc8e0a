/**
 * The control plane's routes as an OpenAPI extension: one operation per registered route (`AdminRouteDoc`, hidden
 * ones left out) under the tag `admin`, with its own security scheme (the ADMIN_TOKEN bearer), parameters, body,
 * 200 answer and errors in the error format.
 */
import type { FastifySchema } from 'fastify';
import { ERROR_TYPES, type ErrorType } from '../../kernel/errors.js';
import { errorBodySchema } from '../../kernel/responses.js';
import { jsonSchema, type OpenApiExtension } from '../openapi.js';
import type { AdminRouteDoc } from './deps.js';

type Json = Record<string, unknown>;

/** The errors a control-plane route answers: bad input, a wrong admin token, unknown ids, and the unexpected. */
const ADMIN_ERRORS: readonly ErrorType[] = ['validation', 'authentication', 'not_found', 'internal'];

/** A route's URL in OpenAPI form (`/admin/licenses/:id` → `/admin/licenses/{id}`). */
export const openApiPath = (url: string): string => url.replace(/:([A-Za-z_][A-Za-z0-9_]*)/g, '{$1}');

const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null;

function parameters(where: 'path' | 'query', schema: unknown): Json[] {
  if (!isObject(schema) || !isObject(schema.properties)) return [];
  const required = new Set(Array.isArray(schema.required) ? schema.required : []);
  return Object.entries(schema.properties).map(([name, s]) => ({ name, in: where, required: where === 'path' || required.has(name), schema: jsonSchema(s) }));
}

function operation(schema: FastifySchema): Json {
  const errors: Json = {};
  for (const type of ADMIN_ERRORS) {
    errors[String(ERROR_TYPES[type].status)] = {
      description: `Error type \`${type}\``,
      content: { 'application/json': { schema: jsonSchema(errorBodySchema([type])) } },
    };
  }
  const ok = isObject(schema.response) ? schema.response['200'] : undefined;
  const op: Json = {
    operationId: schema.operationId,
    summary: schema.summary,
    tags: ['admin'],
    security: [{ adminToken: [] }],
    parameters: [...parameters('path', schema.params), ...parameters('query', schema.querystring)],
    responses: { '200': { description: 'Success', content: { 'application/json': { schema: jsonSchema(ok ?? {}) } } }, ...errors },
  };
  if (schema.body) op.requestBody = { required: true, content: { 'application/json': { schema: jsonSchema(schema.body) } } };
  return op;
}

/** The extension documenting `routes` (read when the document is first built, after every route is registered). */
export function adminOpenApiExtension(routes: readonly AdminRouteDoc[]): OpenApiExtension {
  const paths: Record<string, Json> = {};
  for (const route of routes) {
    if (route.schema.hide) continue;
    const path = openApiPath(route.url);
    paths[path] = { ...(paths[path] ?? {}), [route.method.toLowerCase()]: operation(route.schema) };
  }
  return {
    tags: [{ name: 'admin', description: 'Control plane for tests and tooling (only with `ADMIN_TOKEN`; see README "Control plane").' }],
    paths,
    securitySchemes: {
      adminToken: { type: 'http', scheme: 'bearer', description: 'The server\'s `ADMIN_TOKEN` (never an API token).' },
    },
  };
}
