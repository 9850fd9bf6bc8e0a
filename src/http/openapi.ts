/**
 * The OpenAPI 3.1 document of each served API version, generated from its table of the versioned registry (never
 * written by hand), served at `GET /openapi.json?version=3.6` (default: the stable version, the one the platform's
 * SDK defaults to).
 *
 * One path per action and per batch endpoint (`POST /v3.6/configuration/action/<name>`, `operationId` = the name,
 * tagged by area, the reference's summary; `GET` too for actions the version serves by GET), with the request body
 * schema, the 200 response schema the registry declares, every error response (status and error types), the
 * lifecycle header of a legacy or deprecated version, the security schemes and the servers.
 *
 * Other modules add their own routes (e.g. a control plane under `/admin/`, under its own tag) as extensions:
 * `buildOpenApiDocument(registry, { extensions: [{ tags, paths, schemas }] })`, or `extensions` in the plugin's
 * options; `jsonSchema()` turns their TypeBox schemas into the document's JSON Schema.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { ApiError, ERROR_TYPES, type ErrorType } from '../kernel/errors.js';
import { MAX_BATCH_SIZE, type Endpoint, type Registry } from '../kernel/registry.js';
import type { ServedVersion, VersionedRegistry } from '../kernel/versions.js';
import { errorBodySchema } from '../kernel/responses.js';
import { AREA_DOCS } from '../areas.js';
import { V36_AREA_DOCS } from '../areas-v36.js';

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

/** The version a document describes (a served version, or just a name: the base's table documented alone). */
export type DocumentedVersion = Pick<ServedVersion, 'name'> & Partial<Pick<ServedVersion, 'stage' | 'header' | 'summary' | 'neighbour' | 'rules'>>;

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

/** The headers of every answer of a version: the request id, and the lifecycle header of a legacy or deprecated one. */
function answerHeaders(version: DocumentedVersion): Json {
  if (!version.header) return REQUEST_ID_HEADER;
  const { name, value } = version.header;
  const stage = name === 'Legacy' ? 'legacy' : 'deprecated';
  return {
    ...REQUEST_ID_HEADER,
    [name]: { description: `v${version.name} is ${stage}: the date its stage ends (YYYY-MM-DD), now ${value}`, schema: { type: 'string', format: 'date' } },
  };
}

function errorResponses(endpoint: Endpoint, headers: Json): Json {
  const out: Json = {};
  const exclude = endpoint.action.auth === 'none' ? AUTH_ERRORS : new Set<ErrorType>();
  for (const [status, types] of errorTypesByStatus(exclude)) {
    const response: Json = {
      headers: { ...headers },
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
        ...headers,
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

const areaTitle = (area: string): string => (AREA_DOCS[area] ?? V36_AREA_DOCS[area])?.title ?? area;

/** `X-Author-Id`, where the version's rules accept it (`botAuthorHeader`: v3.5 and lower). */
const AUTHOR_HEADER: Json = {
  name: 'X-Author-Id',
  in: 'header',
  required: false,
  description:
    'v3.5 and lower: the id of a bot the credential may act for (created through the token\'s application, or with a PAT ' +
    'for a PAT); the call is made as that bot (another id answers `authorization`). Bot tokens are the other way.',
  schema: { type: 'string' },
};

function operation(endpoint: Endpoint, headers: Json, authorHeader: boolean): Json {
  const { action } = endpoint;
  const area = areaTitle(action.area);
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
      '200': { description: 'Success', headers: { ...headers }, content: { 'application/json': { schema: jsonSchema(endpoint.response) } } },
      ...errorResponses(endpoint, headers),
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
      ...(authorHeader ? [AUTHOR_HEADER] : []),
    ];
  }
  return op;
}

/** The same operation by GET: its parameters in the query string, no body. */
function getOperation(post: Json, endpoint: Endpoint): Json {
  const { requestBody: _body, ...op } = post;
  const schema = jsonSchema(endpoint.request) as { properties?: Record<string, Json>; required?: string[] };
  const query = Object.entries(schema.properties ?? {}).map(([name, s]) => ({
    name,
    in: 'query',
    required: (schema.required ?? []).includes(name),
    schema: s,
    ...(s.type === 'array' ? { style: 'form', explode: true } : {}),
  }));
  return {
    ...op,
    operationId: `${endpoint.name}_get`,
    description: `${String(op.description ?? '')}\n\nAlso served by GET, with the parameters in the query string.`.trim(),
    parameters: [...((op.parameters as Json[] | undefined) ?? []), ...query],
  };
}

/** What the document says of a version: its stage and lifecycle header, and how it differs from its neighbour. */
function versionText(v: DocumentedVersion): string {
  const lines = [`Configuration API v${v.name}${v.stage ? ` (${v.stage})` : ''}.`];
  if (v.header) lines.push(`Every answer carries the \`${v.header.name}\` header: the date (YYYY-MM-DD) its ${v.stage} stage ends.`);
  if (v.summary?.length) lines.push(v.neighbour ? `Differences from v${v.neighbour}:\n${v.summary.map((l) => `- ${l}`).join('\n')}` : v.summary.join(' '));
  return lines.join('\n\n');
}

/** The document of one version: every endpoint of its table (default: the base's, v3.5), then the extensions' paths. */
export function buildOpenApiDocument(registry: Registry, opts: OpenApiOptions & { version?: DocumentedVersion } = {}): Json {
  const version = opts.version ?? { name: '3.5' };
  const headers = answerHeaders(version);
  const paths: Record<string, Json> = {};
  for (const ep of registry.endpoints()) {
    const post = operation(ep, headers, version.rules?.botAuthorHeader ?? false);
    paths[`/v${version.name}/configuration/action/${ep.name}`] = !ep.batch && ep.action.get ? { get: getOperation(post, ep), post } : { post };
  }
  const used = new Set(registry.endpoints().map((ep) => ep.action.area));
  const tags: { name: string; description?: string }[] = Object.entries({ ...AREA_DOCS, ...V36_AREA_DOCS })
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
      version: version.name,
      summary: 'Configuration of a multi-tenant live-chat platform: agents, bots, groups, auto access, properties, tags and webhooks.',
      description:
        `Every method is \`POST /v${version.name}/configuration/action/<method>\` with a JSON body. Errors are ` +
        '`{"error":{"type","message","data"?}}` with one HTTP status per type. Authenticate with a bearer token ' +
        '(`<region>:<token>`) or a Personal Access Token (HTTP Basic).\n\n' +
        versionText(version),
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

/** The options of the routes serving the documents: how they are documented, and the (lazily built) documents. */
export interface OpenApiRouteOptions extends OpenApiOptions {
  /** The document of a version (`3.6`; default: `defaultVersion`); `unsupported_version` for a version not served. */
  document(version?: string): Json;
  /** The served versions, oldest first, and the one documented by default. */
  versions: readonly { name: string; stage: string }[];
  defaultVersion: string;
}

/** The version documented by default: the stable one (the newest, if several), else the newest. */
export function defaultDocumentedVersion(versions: VersionedRegistry): string {
  return versions.versions.filter((v) => v.stage === 'stable').at(-1)?.name ?? versions.newest.name;
}

/** Each version's document, built on its first request (not at every start: most apps never serve it), then kept. */
export function lazyOpenApiDocuments(versions: VersionedRegistry, opts: OpenApiOptions): Pick<OpenApiRouteOptions, 'document' | 'versions' | 'defaultVersion'> {
  const docs = new Map<string, Json>();
  const defaultVersion = defaultDocumentedVersion(versions);
  const document = (name = defaultVersion): Json => {
    let doc = docs.get(name);
    const served = versions.get(name);
    if (!served) throw new ApiError('unsupported_version', `No API version ${name}: this server serves ${versions.versions.map((v) => v.name).join(', ')}`);
    if (!doc) docs.set(name, (doc = buildOpenApiDocument(served.registry, { ...opts, version: served })));
    return doc;
  };
  return { document, versions: versions.versions.map((v) => ({ name: v.name, stage: v.stage })), defaultVersion };
}

/** `?version=3.6` (also `v3.6`) of the document routes. */
export const VersionQuery = {
  type: 'object',
  properties: { version: { type: 'string', minLength: 1, maxLength: 16, description: 'API version, e.g. 3.6 (default: the stable version)' } },
} as const;

/** The version a document request asks for (`3.6` or `v3.6`), undefined for the default. */
export const requestedVersion = (query: unknown): string | undefined => {
  const v = (query as { version?: string } | undefined)?.version;
  return v === undefined ? undefined : v.replace(/^v/, '');
};

/** Fastify plugin: `GET /openapi.json[?version=3.6]`. */
export async function openApiRoutes(app: FastifyInstance, opts: OpenApiRouteOptions): Promise<void> {
  app.get(OPENAPI_PATH, { schema: { querystring: VersionQuery } }, async (req, reply) => {
    return reply.header('cache-control', 'no-cache').send(withServers(opts.document(requestedVersion(req.query)), req, opts));
  });
}
