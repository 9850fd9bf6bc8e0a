/**
 * The web console at `/console`: static assets bundled with the package (the top-level `console/` folder) and JSON
 * endpoints under `/console/api/` that read and change state through the same area functions and registered actions
 * the API and the control plane use. Registered only when the control plane is on (ADMIN_TOKEN set).
 *
 * Sign-in: the admin token is posted once and exchanged for a random session id, kept in memory by this app instance
 * and sent back as an HttpOnly, SameSite=Strict cookie scoped to /console. State-changing requests must also carry the
 * `X-Console-Request` header (a cross-site form or image cannot send it) and, when the browser sends an Origin, come
 * from this server's own origin.
 */
import { createHash, randomBytes } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { extname, join } from 'node:path';
import type { FastifyBaseLogger, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Core } from '../core.js';
import { ApiError } from '../kernel/errors.js';
import { hashSecret, secretMatches } from '../kernel/crypto.js';
import type { Registry } from '../kernel/registry.js';
import { RawJson } from '../kernel/raw-json.js';
import { packageRoot } from '../package-info.js';
import type { Dispatcher } from './dispatch.js';
import { authFailureLimiter } from './auth-failures.js';
import type { JournalEntry, RequestJournal } from './journal.js';
import { controlPlaneOperations } from './operations.js';
import { getLicense, listLicenses } from '../tenancy/licenses.js';
import { licenseApplications } from '../tenancy/applications.js';
import { ownerCaller } from '../provisioning/licenses.js';
import { deliveriesChangedSince, getDelivery, listDeliveries, type DeliverySummary } from '../webhooks/delivery-views.js';
import { DELIVERY_STATUSES, type DeliveryStatus } from '../webhooks/tables.js';

export const CONSOLE_COOKIE = 'config_api_console';
export const CONSOLE_HEADER = 'x-console-request';
/** How far back each live-deliveries poll looks before the newest change it has seen. */
const LOOKBACK_MS = 5000;

export interface ConsoleOptions {
  core: Core;
  registry: Registry;
  /** Runs actions exactly as the API does (validation, authorization, read caches, transactions). */
  dispatcher: Dispatcher;
  /** The control plane's token; the console exists only when it is set. */
  adminToken: string;
  /** The control plane's request journal (the Calls view). */
  journal: RequestJournal;
}

/** How often live views look for changes (changes made by other processes are seen too). */
const LIVE_POLL_MS = 1000;

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
};

interface Asset {
  type: string;
  body: Buffer;
  etag: string;
}

/** The files of the assets folder, loaded once (a few tens of KB). */
function loadAssets(dir: string): Map<string, Asset> {
  const out = new Map<string, Asset>();
  for (const name of readdirSync(dir)) {
    const file = join(dir, name);
    const type = TYPES[extname(name)];
    if (!type || !statSync(file).isFile()) continue;
    const body = readFileSync(file);
    out.set(name, { type, body, etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 22)}"` });
  }
  return out;
}

const SECURITY_HEADERS = {
  'content-security-policy':
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; " +
    "frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
};

function cookieValue(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const i = part.indexOf('=');
    if (i > 0 && part.slice(0, i).trim() === name) return part.slice(i + 1).trim();
  }
  return undefined;
}

function hostOf(origin: string): string | null {
  try {
    return new URL(origin).host;
  } catch {
    return null;
  }
}

/** Parse an optional positive integer query parameter. */
function intParam(v: unknown, name: string, def: number | undefined, max: number): number | undefined {
  if (v === undefined || v === '') return def;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1 || n > max) throw new ApiError('validation', `\`${name}\` must be an integer between 1 and ${max}`);
  return n;
}

function oneOf(v: unknown, name: string, values: readonly string[]): string | undefined {
  if (v === undefined || v === '') return undefined;
  if (typeof v !== 'string' || !values.includes(v)) throw new ApiError('validation', `\`${name}\` must be one of ${values.join(', ')}`);
  return v;
}

function text(v: unknown, name: string): string | undefined {
  if (v === undefined || v === '') return undefined;
  if (typeof v !== 'string' || v.length > 200) throw new ApiError('validation', `\`${name}\` must be a string of at most 200 characters`);
  return v;
}

/** What the console shows for each tab, as the registered actions (run as the licence owner) answer it. */
type TabLoader = (run: RunAction, apps: { client_id: string; name: string }[]) => Promise<unknown>;
type RunAction = (name: string, body?: unknown) => Promise<unknown>;

const perApp = async (apps: { client_id: string; name: string }[], fn: (clientId: string) => Promise<unknown>) =>
  Promise.all(apps.map(async (a) => ({ client_id: a.client_id, name: a.name, ...((await fn(a.client_id)) as object) })));

const TABS: Record<string, TabLoader> = {
  agents: async (run) => ({ agents: await run('list_agents', { fields: ['groups', 'suspended', 'awaiting_approval', 'job_title', 'max_chats_count'] }) }),
  groups: async (run) => ({ groups: await run('list_groups', { fields: ['agent_priorities', 'routing_status'] }) }),
  bots: async (run, apps) => ({
    bots: await run('list_bots', { all: true, fields: ['groups', 'max_chats_count', 'job_title'] }),
    templates: await perApp(apps, async (id) => ({ templates: await run('list_bot_templates', { owner_client_id: id }) })),
  }),
  tags: async (run) => ({ tags: await run('list_tags', {}) }),
  auto_access: async (run) => ({ rules: await run('list_auto_accesses', {}) }),
  properties: async (run, apps) => ({
    definitions: await perApp(apps, async (id) => ({ properties: await run('list_properties', { owner_client_id: id }) })),
    license: await run('list_license_properties', {}),
    groups: await run('list_groups_properties', {
      group_ids: ((await run('list_groups', {})) as Array<{ id: number }>).map((g) => g.id),
    }),
  }),
  webhooks: async (run, apps) => ({
    applications: await perApp(apps, async (id) => ({
      state: await run('get_license_webhooks_state', { owner_client_id: id }),
      webhooks: await run('list_webhooks', { owner_client_id: id }),
    })),
  }),
};

export function registerConsole(app: FastifyInstance, opts: ConsoleOptions): void {
  const { core, registry, dispatcher } = opts;
  const { store } = core;
  const ttlMs = core.config.admin.consoleSessionTtlMs;
  const pollMs = LIVE_POLL_MS;
  const assets = loadAssets(join(packageRoot(), 'console'));
  const index = assets.get('index.html');
  if (!index) throw new Error('console assets: index.html is missing');
  const adminDigest = hashSecret(opts.adminToken);
  /** session id → expiry (epoch ms); this instance only. */
  const sessions = new Map<string, number>();
  /** Open live streams, ended before the server closes (it would otherwise wait for them). */
  const streams = new Set<() => void>();
  app.addHook('preClose', async () => {
    for (const end of streams) end();
    streams.clear();
  });

  function sessionOf(req: FastifyRequest): string | undefined {
    const id = cookieValue(req.headers.cookie, CONSOLE_COOKIE);
    if (!id) return undefined;
    const exp = sessions.get(id);
    if (exp === undefined) return undefined;
    if (exp <= Date.now()) {
      sessions.delete(id);
      return undefined;
    }
    return id;
  }

  function cookie(req: FastifyRequest, value: string, maxAgeS: number): string {
    const secure = req.protocol === 'https' ? '; Secure' : '';
    return `${CONSOLE_COOKIE}=${value}; Path=/console; HttpOnly; SameSite=Strict; Max-Age=${maxAgeS}${secure}`;
  }

  /** Same-origin and custom-header check for requests that change state. */
  function checkCsrf(req: FastifyRequest): void {
    if (req.headers[CONSOLE_HEADER] !== '1') {
      throw new ApiError('authorization', `State-changing console requests must send the ${CONSOLE_HEADER} header`);
    }
    // Host only (not the scheme): behind a proxy that terminates TLS the server sees http while the page is https.
    const origin = req.headers.origin;
    if (origin !== undefined && hostOf(origin) !== req.headers.host) {
      throw new ApiError('authorization', 'Cross-origin console request refused');
    }
  }

  /** preHandler for every /console/api route but sign-in. */
  async function requireSession(req: FastifyRequest): Promise<void> {
    if (!sessionOf(req)) throw new ApiError('authentication', 'Sign in to the console first');
    if (req.method !== 'GET' && req.method !== 'HEAD') checkCsrf(req);
  }

  /** Run the API's own actions as the licence's owner, through the dispatcher every API call goes through. */
  async function runner(licenseId: number, log: FastifyBaseLogger): Promise<RunAction> {
    const caller = await ownerCaller(store.db, licenseId);
    if (!caller) throw new ApiError('not_found', `Licence ${licenseId} not found`);
    return async (name, body = {}) => {
      const action = registry.get(name);
      if (!action) throw new Error(`console: unknown action ${name}`);
      const out = await dispatcher.runSingle(action, caller, log, body);
      return out instanceof RawJson ? JSON.parse(out.body.toString('utf8')) : out;
    };
  }

  function licenseParam(req: FastifyRequest): number {
    const id = Number((req.params as { id: string }).id);
    if (!Number.isSafeInteger(id) || id < 1) throw new ApiError('validation', 'The licence id must be a positive integer');
    return id;
  }

  const sendAsset = (asset: Asset, req: FastifyRequest, reply: FastifyReply) => {
    reply.headers({ ...SECURITY_HEADERS, etag: asset.etag, 'cache-control': 'no-cache' });
    if (req.headers['if-none-match'] === asset.etag) return reply.code(304).send();
    return reply.type(asset.type).send(asset.body);
  };

  app.get('/console', (req, reply) => sendAsset(index, req, reply));
  app.get('/console/', (req, reply) => sendAsset(index, req, reply));
  app.get('/console/assets/:file', (req, reply) => {
    const asset = assets.get((req.params as { file: string }).file);
    if (!asset) throw new ApiError('not_found', 'No such console asset');
    return sendAsset(asset, req, reply);
  });

  // ------------------------------------------------------------------ session
  // Wrong admin tokens count against the same per-address limit as failed API authentications (AUTH_FAILURE_LIMIT).
  const signInLimit = authFailureLimiter(core.config.authFailures) ?? {};
  app.post('/console/api/session', signInLimit, async (req, reply) => {
    checkCsrf(req);
    const token = (req.body as { token?: unknown } | undefined)?.token;
    if (typeof token !== 'string' || token === '') throw new ApiError('validation', '`token` (the admin token) is required');
    if (!secretMatches(token, adminDigest)) throw new ApiError('authentication', 'Wrong admin token');
    const now = Date.now();
    for (const [id, exp] of sessions) if (exp <= now) sessions.delete(id);
    const id = randomBytes(32).toString('base64url');
    const expires = now + ttlMs;
    sessions.set(id, expires);
    reply.header('set-cookie', cookie(req, id, Math.floor(ttlMs / 1000)));
    return { expires_at: new Date(expires).toISOString() };
  });
  app.get('/console/api/session', { preHandler: requireSession }, async (req) => ({
    expires_at: new Date(sessions.get(sessionOf(req)!)!).toISOString(),
  }));
  app.delete('/console/api/session', async (req, reply) => {
    checkCsrf(req);
    const id = sessionOf(req);
    if (id) sessions.delete(id);
    reply.header('set-cookie', cookie(req, '', 0));
    return {};
  });

  // ------------------------------------------------------------------ licences
  app.get('/console/api/licenses', { preHandler: requireSession }, async () => ({ licenses: await listLicenses(store.db) }));
  app.get('/console/api/licenses/:id', { preHandler: requireSession }, async (req) => {
    const id = licenseParam(req);
    const license = await getLicense(store.db, id);
    return { license, applications: await licenseApplications(store.db, id) };
  });
  app.get('/console/api/licenses/:id/tabs/:tab', { preHandler: requireSession }, async (req) => {
    const id = licenseParam(req);
    const load = TABS[(req.params as { tab: string }).tab];
    if (!load) throw new ApiError('not_found', `No console tab ${(req.params as { tab: string }).tab}`);
    const run = await runner(id, req.log);
    return load(run, await licenseApplications(store.db, id));
  });
  app.put('/console/api/licenses/:id/webhooks-state', { preHandler: requireSession }, async (req) => {
    const id = licenseParam(req);
    const body = (req.body ?? {}) as { client_id?: unknown; enabled?: unknown };
    if (typeof body.client_id !== 'string' || typeof body.enabled !== 'boolean') {
      throw new ApiError('validation', '`client_id` (string) and `enabled` (boolean) are required');
    }
    const run = await runner(id, req.log);
    await run(body.enabled ? 'enable_license_webhooks' : 'disable_license_webhooks', { owner_client_id: body.client_id });
    return run('get_license_webhooks_state', { owner_client_id: body.client_id });
  });

  // ------------------------------------------------------------------ deliveries
  const deliveryFilter = (q: Record<string, unknown>) => ({
    webhookId: text(q.webhook_id, 'webhook_id'),
    action: text(q.action, 'action'),
    status: oneOf(q.status, 'status', DELIVERY_STATUSES) as DeliveryStatus | undefined,
    limit: intParam(q.limit, 'limit', 100, 1000),
  });
  app.get('/console/api/licenses/:id/deliveries', { preHandler: requireSession }, async (req) => ({
    deliveries: await listDeliveries(store.db, { licenseId: licenseParam(req), ...deliveryFilter(req.query as Record<string, unknown>), includeBody: false }),
  }));
  app.get('/console/api/licenses/:id/deliveries/live', { preHandler: requireSession }, (req, reply) => {
    const licenseId = licenseParam(req);
    // Changes since the stream opened (the page loaded the list just before), then every change as it happens. Each
    // poll looks back LOOKBACK_MS before the newest change seen, because a transaction may commit a row stamped
    // earlier than a row another transaction already committed; what was already sent (same state) is not resent.
    let newest = Date.now() - 2000;
    const sent = new Map<string, { state: string; at: number }>();
    liveStream(req, reply, async (send) => {
      const rows: DeliverySummary[] = await deliveriesChangedSince(store.db, licenseId, new Date(newest - LOOKBACK_MS).toISOString());
      for (const r of rows) {
        const state = `${r.updated_at}|${r.status}|${r.attempts}|${r.last_status}|${r.last_error}`;
        const at = Date.parse(r.updated_at);
        if (at > newest) newest = at;
        if (sent.get(r.id)?.state === state) continue;
        sent.set(r.id, { state, at });
        send('delivery', r);
      }
      for (const [id, v] of sent) if (v.at < newest - 2 * LOOKBACK_MS) sent.delete(id);
    });
  });
  app.get('/console/api/deliveries/:did', { preHandler: requireSession }, async (req) => {
    const d = await getDelivery(store.db, (req.params as { did: string }).did);
    if (!d) throw new ApiError('not_found', 'Delivery not found');
    return d;
  });

  // ------------------------------------------------------------------ control-plane operations
  const operations = controlPlaneOperations(core);
  app.post('/console/api/deliveries/:did/resend', { preHandler: requireSession }, async (req) =>
    operations.resendDelivery((req.params as { did: string }).did),
  );
  app.post('/console/api/licenses/:id/reset', { preHandler: requireSession }, async (req) => operations.resetLicense(licenseParam(req)));
  app.get('/console/api/licenses/:id/snapshots', { preHandler: requireSession }, async (req) => ({
    snapshots: await operations.listSnapshots(licenseParam(req)),
  }));
  app.post('/console/api/licenses/:id/snapshots', { preHandler: requireSession }, async (req) => {
    const name = (req.body as { name?: unknown } | undefined)?.name;
    if (name !== undefined && name !== null && (typeof name !== 'string' || name.length > 200)) {
      throw new ApiError('validation', '`name` must be a string of at most 200 characters');
    }
    return operations.createSnapshot(licenseParam(req), (name as string | undefined) || null);
  });
  app.post('/console/api/licenses/:id/snapshots/:sid/restore', { preHandler: requireSession }, async (req) =>
    operations.restoreSnapshot(licenseParam(req), (req.params as { sid: string }).sid),
  );

  // ------------------------------------------------------------------ calls (the request journal)
  interface CallFilter {
    licenseId?: number;
    action?: string;
    status?: string;
    errorType?: string;
  }
  const callFilter = (q: Record<string, unknown>): CallFilter => {
    const status = text(q.status, 'status');
    if (status !== undefined && !/^([1-5]xx|[1-5]\d\d)$/.test(status)) {
      throw new ApiError('validation', '`status` must be an HTTP status (e.g. 404) or a class (2xx, 4xx, 5xx)');
    }
    return {
      licenseId: intParam(q.license_id, 'license_id', undefined, Number.MAX_SAFE_INTEGER),
      action: text(q.action, 'action'),
      status,
      errorType: text(q.error_type, 'error_type'),
    };
  };
  const callMatches = (e: JournalEntry, f: CallFilter): boolean =>
    (f.licenseId === undefined || e.license_id === f.licenseId) &&
    (f.action === undefined || e.action === f.action) &&
    (f.errorType === undefined || e.error_type === f.errorType) &&
    (f.status === undefined || (f.status.endsWith('xx') ? String(e.status)[0] === f.status[0] : String(e.status) === f.status));
  /** The list view leaves bodies out (they can be large); a call opened alone has them. */
  const summary = ({ request_body: _q, response_body: _r, ...rest }: JournalEntry) => rest;
  app.get('/console/api/calls', { preHandler: requireSession }, async (req) => {
    const q = req.query as Record<string, unknown>;
    const f = callFilter(q);
    const limit = intParam(q.limit, 'limit', 200, 5000)!;
    const all = opts.journal.list({ licenseId: f.licenseId, action: f.action, limit: 1_000_000 });
    return { calls: all.filter((e) => callMatches(e, f)).slice(0, limit).map(summary) };
  });
  app.get('/console/api/calls/live', { preHandler: requireSession }, (req, reply) => {
    const j = opts.journal;
    const pending: JournalEntry[] = [];
    const stop = j.subscribe((e) => void pending.push(e));
    req.raw.on('close', stop);
    liveStream(req, reply, async (send) => {
      for (const e of pending.splice(0)) send('call', summary(e));
    });
  });
  app.get('/console/api/calls/:rid', { preHandler: requireSession }, async (req) => {
    const rid = (req.params as { rid: string }).rid;
    const e = opts.journal.list({ limit: 1_000_000 }).find((x) => x.request_id === rid);
    if (!e) throw new ApiError('not_found', `Call ${rid} is not in the journal (it keeps the most recent calls only)`);
    return e;
  });

  /**
   * Server-sent events: `poll(send)` runs every `pollMs` until the browser goes away; a comment line keeps proxies
   * from closing an idle stream.
   */
  function liveStream(req: FastifyRequest, reply: FastifyReply, poll: (send: (event: string, data: unknown) => void) => Promise<void>) {
    reply.hijack();
    const res = reply.raw;
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-transform',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
    });
    res.write('retry: 2000\n\n');
    let closed = false;
    let timer: NodeJS.Timeout | undefined;
    let ticks = 0;
    const send = (event: string, data: unknown) => res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
    const tick = async () => {
      if (closed) return;
      if (!sessionOf(req)) {
        send('signed_out', {});
        res.end();
        return;
      }
      try {
        await poll(send);
        if (++ticks % 15 === 0) res.write(': keep-alive\n\n');
      } catch (err) {
        req.log.warn({ err }, 'console live view: poll failed');
      }
      if (!closed) timer = setTimeout(tick, pollMs);
    };
    const stop = () => {
      closed = true;
      clearTimeout(timer);
    };
    const end = () => {
      stop();
      res.end();
    };
    streams.add(end);
    req.raw.on('close', () => {
      stop();
      streams.delete(end);
    });
    void tick();
  }
}
