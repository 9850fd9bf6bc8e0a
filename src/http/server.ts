/**
 * HTTP server: `POST /<version>/configuration/action/<action>` dispatched through the action registry.
 * Pipeline: version → action → authentication (region, licence) → scopes → validation → handler (one transaction).
 */
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest, type FastifyBaseLogger } from 'fastify';
import { Type } from '@sinclair/typebox';
import { enableTransactionMemo, lockLicense, nextSavepoint, rollbackToSavepoint, type Store } from '../store/db.js';
import { ApiError, type ErrorBody } from '../kernel/errors.js';
import { Authenticator } from './auth.js';
import { Registry, type ActionContext, type Caller, type RegisteredAction, type Services } from '../kernel/registry.js';
import { requireAnyScope } from '../kernel/scopes.js';
import { compileValidator } from '../kernel/validation.js';
import { RawJson } from '../kernel/raw-json.js';
import { registerRateLimit, routeRateLimit, type RateLimitOptions } from './rate-limit.js';

export const API_VERSION = 'v3.5';
/** Maximum number of items in one batch request. */
export const MAX_BATCH_SIZE = 100;

export interface ServerOptions {
  store: Store;
  registry: Registry;
  region: string;
  logger?: boolean | object;
  authCacheTtlMs?: number;
  bearerResolvers?: ConstructorParameters<typeof Authenticator>[1]['bearerResolvers'];
  onEventsCommitted?: () => void;
  /** Per-credential request limit (off when absent or max is 0). */
  rateLimit?: RateLimitOptions;
  /** HTTPS with HTTP/2 (ALPN) and HTTP/1.1; plain HTTP/1.1 when absent. */
  tls?: { key: string | Buffer; cert: string | Buffer };
}

const batchValidator = compileValidator(
  Type.Object({ requests: Type.Array(Type.Any(), { maxItems: MAX_BATCH_SIZE }) }, { additionalProperties: false }),
);

/** Map driver errors we can explain (unique violations from races) to API errors. */
export function toApiError(err: unknown): ApiError | null {
  if (err instanceof ApiError) return err;
  const e = err as { code?: string; statusCode?: number; message?: string };
  if (e?.code === '23505' || e?.code === 'SQLITE_CONSTRAINT_PRIMARYKEY' || e?.code === 'SQLITE_CONSTRAINT_UNIQUE') {
    return new ApiError('already_exists');
  }
  // PostgreSQL data exceptions (value out of range, invalid text) that validation should have caught: still the client's input.
  if (e?.code === '22003' || e?.code === '22021' || e?.code === '22P05' || e?.code === '22001' || e?.code === 'SQLITE_TOOBIG') {
    return new ApiError('validation', 'A value in the request is out of the supported range');
  }
  if (e?.code === '40001' || e?.code === '40P01' || e?.code === 'SQLITE_BUSY') {
    return new ApiError('too_many_requests', 'Concurrent modification; retry the request');
  }
  return null;
}

function containsNul(v: unknown): boolean {
  if (typeof v === 'string') return v.includes('\0');
  if (Array.isArray(v)) return v.some(containsNul);
  if (v && typeof v === 'object') return Object.entries(v).some(([k, x]) => k.includes('\0') || containsNul(x));
  return false;
}

export function errorBody(err: unknown, log: FastifyBaseLogger): { status: number; body: ErrorBody } {
  const api = toApiError(err);
  if (api) return { status: api.status, body: api.toBody() };
  log.error({ err }, 'unhandled error in action');
  const internal = new ApiError('internal');
  return { status: internal.status, body: internal.toBody() };
}

export async function buildServer(opts: ServerOptions): Promise<FastifyInstance> {
  const { store, registry } = opts;
  const base = { logger: opts.logger ?? false, bodyLimit: 1024 * 1024, return503OnClosing: true, forceCloseConnections: false };
  // HTTPS: HTTP/2 negotiated by ALPN, HTTP/1.1 still accepted. Handlers only use the common request/reply API.
  const app = opts.tls
    ? (Fastify({ ...base, http2: true, https: { allowHTTP1: true, key: opts.tls.key, cert: opts.tls.cert } }) as unknown as FastifyInstance)
    : Fastify(base);
  app.decorateRequest('apiCaller', null);

  const auth = new Authenticator(store, {
    region: opts.region,
    cacheTtlMs: opts.authCacheTtlMs,
    bearerResolvers: opts.bearerResolvers,
  });
  const services: Services = {
    onEventsCommitted: opts.onEventsCommitted ?? (() => {}),
    invalidateAuth: () => auth.invalidate(),
  };
  app.decorate('authenticator', auth);

  // Every body is JSON; an empty body means {}.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'string' }, (_req, body, done) => {
    const text = typeof body === 'string' ? body : body.toString('utf8');
    if (text.trim() === '') return done(null, {});
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      return done(new ApiError('validation', 'Malformed JSON in request body'), undefined);
    }
    // NUL characters cannot be stored (PostgreSQL text refuses them): refuse them in any key or string.
    if (text.includes('\\u0000') && containsNul(value)) {
      return done(new ApiError('validation', 'Strings in the request body must not contain NUL (\\u0000) characters'), undefined);
    }
    done(null, value);
  });

  app.setErrorHandler((err, req, reply) => {
    if (err instanceof ApiError) return reply.code(err.status).send(err.toBody());
    const status = (err as { statusCode?: number }).statusCode;
    if (status && status >= 400 && status < 500) {
      const type = status === 429 ? 'too_many_requests' : status === 404 ? 'not_found' : 'validation';
      const e = new ApiError(type, status === 413 ? 'Request body too large' : (err as Error).message);
      return reply.code(e.status).send(e.toBody());
    }
    const { status: s, body } = errorBody(err, req.log);
    return reply.code(s).send(body);
  });
  app.setNotFoundHandler((req, reply) => {
    const e = new ApiError('not_found', `No route for ${req.method} ${req.url.split('?')[0]}`);
    reply.code(e.status).send(e.toBody());
  });

  app.get('/healthz', async () => ({ status: 'ok' }));

  function makeContext(caller: Caller, log: FastifyBaseLogger): ActionContext {
    return {
      store,
      db: store.db,
      dialect: store.dialect,
      caller,
      log,
      services,
      async tx(fn) {
        const result = await store.db.transaction().execute(async (trx) => {
          if (caller) await lockLicense(trx, store.dialect, caller.licenseId);
          return fn(trx);
        });
        services.onEventsCommitted();
        return result;
      },
    };
  }

  async function runOne(action: RegisteredAction, ctx: ActionContext, body: unknown): Promise<unknown> {
    const input = action.validate(body);
    const out = await action.handler(ctx, input);
    return out === undefined ? {} : out;
  }

  async function dispatch(req: FastifyRequest, reply: FastifyReply) {
    const { version, action: name } = req.params as { version: string; action: string };
    if (version !== API_VERSION) throw new ApiError('unsupported_version');
    const batch = registry.batches.get(name);
    const action = batch ? batch.action : registry.get(name);
    if (!action) throw new ApiError('not_found', `Unknown action: ${name}`);

    let caller: Caller = null as unknown as Caller;
    if (action.auth !== 'none') {
      const xRegion = req.headers['x-region'];
      caller = await auth.authenticate(req.headers.authorization, Array.isArray(xRegion) ? xRegion[0] : xRegion);
      if (caller.suspended && !action.allowSuspended) {
        throw new ApiError('authorization', 'The agent is suspended');
      }
      req.apiCaller = caller;
      requireAnyScope(caller.scopes, ...action.requiredAnyOf);
    }
    const ctx = makeContext(caller, req.log);

    if (!batch) {
      const out = await runOne(action, ctx, req.body);
      if (out instanceof RawJson) return reply.type('application/json; charset=utf-8').send(out.body);
      return reply.send(out);
    }

    const { requests } = batchValidator(req.body) as { requests: unknown[] };
    return reply.send({ responses: await runBatch(action, caller, req.log, requests) });
  }

  /**
   * A batch call is one transaction (one licence lock, one commit) in which each item runs under its own savepoint:
   * a failing item is rolled back alone and answers its error, the others keep their effects, and all of them
   * commit together. Items see the effects of the items before them. What the handlers ask of the services (wake the
   * webhook worker, drop cached token lookups) happens after the commit, as for a single call.
   */
  async function runBatch(action: RegisteredAction, caller: Caller, log: FastifyBaseLogger, requests: unknown[]) {
    let invalidateAuth = false;
    const deferred: Services = {
      onEventsCommitted: () => {}, // called once after the commit below
      invalidateAuth: () => void (invalidateAuth = true),
    };
    const responses = await store.db.transaction().execute(async (trx) => {
      await lockLicense(trx, store.dialect, caller.licenseId);
      enableTransactionMemo(trx);
      const ctx: ActionContext = { ...makeContext(caller, log), db: trx, services: deferred, tx: (fn) => fn(trx) };
      const out: unknown[] = [];
      for (const [i, item] of requests.entries()) {
        await nextSavepoint(trx, store.dialect, i === 0);
        try {
          out.push(await runOne(action, ctx, item));
        } catch (err) {
          await rollbackToSavepoint(trx);
          out.push(errorBody(err, log).body);
        }
      }
      return out;
    });
    if (invalidateAuth) services.invalidateAuth();
    services.onEventsCommitted();
    return responses;
  }

  await registerRateLimit(app, opts.rateLimit);
  const limit = routeRateLimit(opts.rateLimit);
  app.post('/:version/configuration/action/:action', limit ? { config: { rateLimit: limit } } : {}, dispatch);
  return app;
}

declare module 'fastify' {
  interface FastifyInstance {
    authenticator: Authenticator;
  }
}
