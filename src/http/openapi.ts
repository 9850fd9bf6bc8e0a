/**
 * The OpenAPI 3.1 document, generated from the action registry (never written by hand), served at `GET /openapi.json`.
 *
 * One path per action and per batch endpoint (`POST /v3.5/configuration/action/<name>`, `operationId` = the name,
 * tagged by area, the reference's summary), with the request body schema, the 200 response schema the registry
 * declares, every error response (status and error types), the security schemes and the servers.
 *
 * Other modules add their own routes (e.g. a control plane under `/admin/`, under its own tag) as extensions:
 * `buildOpenApiDocument(registry, { extensions: [{ tags, paths, schemas }] })`, or `extensions` in the plugin's
 * options; `jsonSchema()` turns their TypeBox schemas into the document's JSON Schema.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { ERROR_TYPES, type ErrorType } from '../kernel/errors.js';
import { MAX_BATCH_SIZE, type Endpoint, type Registry } from '../kernel/registry.js';
import { errorBodySchema } from '../kernel/responses.js';
import { API_VERSION } from './api-version.js';
import { AREA_DOCS } from '../areas.js';

export const OPENAPI_PATH = '/openapi.json';
/** The platform the reference documents; listed after this server so clients generated from the document can use either. */
export const PLATFORM_URL = 'https://api.livechatinc.com';

type Json = Record<string, unknown>;

export interface OpenApiServer {
  url: string;
  description?: string;
}

/** Routes documented next to the registry's: their tags, path items, and named schemas (`#/components/schemas/…`). */
export interface OpenApiExtension {
  tags?: { name: string; description?: string }[];
  paths?: Record<string, Json>;
  schemas?: Record<string, Json>;
  securitySchemes?: Record<string, Json>;
}

export interface OpenApiOptions {
  /** Servers in the document; default: the server that answers (its own origin), then the platform. */
  servers?: OpenApiServer[];
  /** Given as they are, or as functions called when the document is built (on its first request). */
  extensions?: readonly (OpenApiExtension | (() => OpenApiExtension))[];
}

/** Keywords of our TypeBox schemas that are not JSON Schema (custom validation messages). */
const NON_STANDARD = new Set(['errorMessage']);

/** A TypeBox schema as plain JSON Schema 2020-12 (what OpenAPI 3.1 uses): symbols and custom keywords dropped. */
export function jsonSchema(schema: unknown): Json {
  return JSON.parse(JSON.stringify(schema, (key, value) => (NON_STANDARD.has(key) ? undefined : value)));
}

/** Error types by HTTP status, in status order. */
function errorTypesByStatus(exclude: ReadonlySet<ErrorType>): Map<number, ErrorType[]> {
  const out = new Map<number, ErrorType[]>();
  for (const [type, { status }] of Object.entries(ERROR_TYPES) as [ErrorType, { status: number }][]) {
    if (exclude.has(type)) continue;
    out.set(status, [...(out.get(status) ?? []), type]);
  }
  return new Map([...out.entries()].sort(([a], [b]) => a - b));
}

/** Every answer carries the id the server logged the request under. */
const REQUEST_ID_HEADER = {
  'X-Request-Id': { description: 'Id of the request in the server\'s logs: the request\'s own well-formed `X-Request-Id`, else a UUID', schema: { type: 'string' } },
};

/** Errors a method without authorization (list_webhook_names) cannot answer. */
const AUTH_ERRORS: ReadonlySet<ErrorType> = new Set(['authentication', 'authorization', 'license_expired', 'misdirected_request']);

function errorResponses(endpoint: Endpoint): Json {
  const out: Json = {};
  const exclude = endpoint.action.auth === 'none' ? AUTH_ERRORS : new Set<ErrorType>();
  for (const [status, types] of errorTypesByStatus(exclude)) {
    const response: Json = {
      headers: { ...REQUEST_ID_HEADER },
      description: `Error type${types.length > 1 ? 's' : ''} ${types.map((t) => `\`${t}\``).join(', ')}`,
      content: {
        'application/json': {
          schema: jsonSchema(errorBodySchema(types)),
          examples: Object.fromEntries(
            types.map((t) => [t, { summary: t, value: { error: { type: t, message: ERROR_TYPES[t].message } } }]),
          ),
        },
      },
    };
    if (status === 429) {
      response.headers = {
        ...REQUEST_ID_HEADER,
        'Retry-After': { description: 'Seconds to wait before retrying', schema: { type: 'integer', minimum: 0 } },
      };
    }
    out[String(status)] = response;
  }
  return out;
}

function scopesText(endpoint: Endpoint): string {
  const { action } = endpoint;
  if (action.auth === 'none') return 'No authorization required.';
  if (action.scopes.length === 0) return 'Required scopes: none (any valid token of the licence).';
  const list = action.scopes.map((s) => `\`${s}\``).join(' ');
  const anyOf = action.anyOf && action.anyOf.length !== action.scopes.length ? ` (at least one of ${action.anyOf.map((s) => `\`${s}\``).join(' ')}; the others as the reference's footnotes say)` : '';
  return `Required scopes: ${list}${anyOf}.`;
}

function operation(endpoint: Endpoint): Json {
  const { action } = endpoint;
  const area = AREA_DOCS[action.area]?.title ?? action.area;
  const summary = endpoint.batch ? `Batch ${action.name}: runs it for each of \`requests\` (at most ${MAX_BATCH_SIZE}).` : action.summary;
  const description = endpoint.batch
    ? `Batch version of \`${action.name}\`: ${action.summary}\n\n` +
      'Items run in order within one transaction, each under its own savepoint: a failing item answers its error in its ' +
      'place in `responses` and the others keep their effects.\n\n' +
      scopesText(endpoint)
    : [action.description, action.aliases?.length ? `Also reachable as ${action.aliases.map((a) => `\`${a}\``).join(', ')}.` : '', action.batch ? `Batch support: \`${action.batch}\`.` : '', scopesText(endpoint)]
        .filter(Boolean)
        .join('\n\n');
  const op: Json = {
    operationId: endpoint.name,
    summary,
    description,
    tags: [area],
    requestBody: {
      required: false,
      description: 'JSON; an empty body is the same as `{}`.',
      content: { 'application/json': { schema: jsonSchema(endpoint.request) } },
    },
    responses: {
      '200': { description: 'Success', headers: { ...REQUEST_ID_HEADER }, content: { 'application/json': { schema: jsonSchema(endpoint.response) } } },
      ...errorResponses(endpoint),
    },
  };
  if (action.auth === 'none') op.security = [];
  else {
    op.parameters = [
      {
        name: 'X-Region',
        in: 'header',
        required: false,
        description: 'Data center of the licence (the prefix of a bearer token, e.g. `dal` in `dal:…`); a wrong region answers `misdirected_request`.',
        schema: { type: 'string' },
      },
    ];
  }
  return op;
}

/** The document: every endpoint of the registry, then the extensions' paths. */
export function buildOpenApiDocument(registry: Registry, opts: OpenApiOptions = {}): Json {
  const paths: Record<string, Json> = {};
  for (const ep of registry.endpoints()) paths[`/${API_VERSION}/configuration/action/${ep.name}`] = { post: operation(ep) };
  const used = new Set(registry.endpoints().map((ep) => ep.action.area));
  const tags: { name: string; description?: string }[] = Object.entries(AREA_DOCS)
    .filter(([id]) => used.has(id))
    .map(([, d]) => ({ name: d.title, description: d.description }));
  for (const area of used) if (!AREA_DOCS[area]) tags.push({ name: area });
  const schemas: Record<string, Json> = { Error: jsonSchema(errorBodySchema()) };
  const securitySchemes: Record<string, Json> = {
    bearerAuth: {
      type: 'http',
      scheme: 'bearer',
      description: 'An access token of an application (`Authorization: Bearer <region>:<token>`), or a bot token.',
    },
    basicAuth: {
      type: 'http',
      scheme: 'basic',
      description: 'A Personal Access Token: the account id as user name and the PAT as password.',
    },
  };
  for (const given of opts.extensions ?? []) {
    const ext = typeof given === 'function' ? given() : given;
    for (const tag of ext.tags ?? []) if (!tags.some((t) => t.name === tag.name)) tags.push(tag);
    for (const [path, item] of Object.entries(ext.paths ?? {})) {
      if (paths[path]) throw new Error(`OpenAPI: path ${path} documented twice`);
      paths[path] = item;
    }
    Object.assign(schemas, ext.schemas ?? {});
    Object.assign(securitySchemes, ext.securitySchemes ?? {});
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'Configuration API',
      version: '3.5',
      summary: 'Configuration of a multi-tenant live-chat platform: agents, bots, groups, auto access, properties, tags and webhooks.',
      description:
        'Every method is `POST /v3.5/configuration/action/<method>` with a JSON body. Errors are ' +
        '`{"error":{"type","message","data"?}}` with one HTTP status per type. Authenticate with a bearer token ' +
        '(`<region>:<token>`) or a Personal Access Token (HTTP Basic).',
      license: { name: 'MIT', identifier: 'MIT' },
    },
    servers: opts.servers ?? [{ url: PLATFORM_URL, description: 'The platform' }],
    security: [{ bearerAuth: [] }, { basicAuth: [] }],
    tags,
    paths,
    components: { schemas, securitySchemes },
  };
}

/** The origin a request was made to (scheme and host as the client used them). */
export function requestOrigin(req: FastifyRequest): string {
  return `${req.protocol}://${req.host}`;
}

/** The document with the servers a request should see: `opts.servers`, or this server's own origin, then the platform. */
export function withServers(doc: Json, req: FastifyRequest, opts: OpenApiOptions): Json {
  const servers = opts.servers ?? [
    { url: requestOrigin(req), description: 'This server' },
    { url: PLATFORM_URL, description: 'The platform' },
  ];
  return { ...doc, servers };
}

/** The options of the routes serving the document: how it is documented, and the (lazily built) document itself. */
export interface OpenApiRouteOptions extends OpenApiOptions {
  document(): Json;
}

/** The document of a registry, built on the first call (not at every start: most apps never serve it), then kept. */
export function lazyOpenApiDocument(registry: Registry, opts: OpenApiOptions): () => Json {
  let doc: Json | undefined;
  return () => (doc ??= buildOpenApiDocument(registry, opts));
}

/** Fastify plugin: `GET /openapi.json`. */
export async function openApiRoutes(app: FastifyInstance, opts: OpenApiRouteOptions): Promise<void> {
  app.get(OPENAPI_PATH, async (req, reply) => {
    return reply.header('cache-control', 'no-cache').send(withServers(opts.document(), req, opts));
  });
}
