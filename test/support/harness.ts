/**
 * Test harness: every API suite runs against both stores through the real HTTP server (Fastify inject), on a fresh
 * store (./stores.ts) with a bootstrapped licence.
 */
import { describe, before, after } from 'node:test';
import type { FastifyInstance } from 'fastify';
import type { Store } from '../../src/store/store.js';
import { createApp } from '../../src/app.js';
import { createCore, type Core } from '../../src/core.js';
import type { Area } from '../../src/kernel/area.js';
import type { Config } from '../../src/config.js';
import { freshStore, postgresOrSkip, testConfig, type StoreKind } from './stores.js';
import { bootstrap, type BootstrapResult, type BootstrapOptions } from '../../src/provisioning/bootstrap.js';
import { createApplication, installApplication } from '../../src/provisioning/applications.js';
import { basicAuth, insertAccessToken, insertPat } from '../../src/tenancy/credentials.js';
import { ALL_SCOPES } from '../../src/kernel/scopes.js';
import { SigningKeys, newSecret } from '../../src/kernel/signing-keys.js';
import { checkAnswer } from './response-check.js';

export interface CallResult<T = any> {
  status: number;
  body: T;
}

export interface CallOptions {
  token?: string | null;
  /** Full Authorization header value (overrides token). */
  authorization?: string;
  headers?: Record<string, string>;
  version?: string;
}

export class Harness {
  app!: FastifyInstance;
  store!: Store;
  /** The licence every test starts with: owner with every scope, bearer token and PAT. */
  boot!: BootstrapResult;
  region = 'dal';
  config!: Config;
  /** The app's core: changes made through it are seen by the app as its own (commit signals, event log mode). */
  core!: Core;
  /** The keys signing this harness's bot tokens (checked and recorded like configured keys; pass them to a second app on the database). */
  signingKeys = SigningKeys.fromSecrets([newSecret()]);
  private dropDb?: () => Promise<void>;

  constructor(readonly kind: StoreKind) {}

  /**
   * `eventLog` defaults to `all` here: suites read the stored events (webhook_events) to check which event each
   * action records, whether or not a webhook subscribes to it.
   */
  async start(
    opts: {
      region?: string;
      rateLimit?: { max: number; windowMs: number };
      eventLog?: 'subscribed' | 'all';
      /** More configuration variables (see src/config.ts), e.g. fastRetries(). */
      env?: Record<string, string>;
      /** The areas the app serves (default: all, `ALL_AREAS` of src/areas-v36.ts). */
      areas?: readonly Area[];
    } = {},
  ): Promise<this> {
    this.region = opts.region ?? 'dal';
    this.config = testConfig({
      REGION: this.region,
      WEBHOOK_EVENT_LOG: opts.eventLog ?? 'all',
      ...(opts.rateLimit ? { RATE_LIMIT_MAX: String(opts.rateLimit.max), RATE_LIMIT_WINDOW_MS: String(opts.rateLimit.windowMs) } : {}),
      ...opts.env,
    });
    const fresh = await freshStore(this.kind);
    this.store = fresh.store;
    this.dropDb = fresh.drop;
    this.core = createCore(this.store, this.config, opts.areas, this.signingKeys);
    this.app = await createApp({ core: this.core, logger: false });
    await this.app.ready();
    this.boot = await this.bootstrap();
    return this;
  }

  async stop(): Promise<void> {
    await this.app?.close();
    await this.dropDb?.();
  }

  bootstrap(o: Partial<BootstrapOptions> = {}): Promise<BootstrapResult> {
    return this.core.transaction((tx) => bootstrap(tx, this.core.cascades, { region: this.region, ...o }));
  }

  /** POST an action as the bootstrap owner (or with the given token / Authorization header). */
  async call<T = any>(action: string, body?: unknown, opts: CallOptions = {}): Promise<CallResult<T>> {
    const token = opts.token === undefined ? this.boot.bearer_token : opts.token;
    const headers: Record<string, string> = { 'content-type': 'application/json', ...(opts.headers ?? {}) };
    if (opts.authorization) headers.authorization = opts.authorization;
    else if (token) headers.authorization = `Bearer ${token}`;
    const res = await this.app.inject({
      method: 'POST',
      url: `/${opts.version ?? 'v3.5'}/configuration/action/${action}`,
      headers,
      payload: body === undefined ? '' : typeof body === 'string' ? body : JSON.stringify(body),
    });
    const parsed = res.body ? JSON.parse(res.body) : undefined;
    // The answer must match the published contract (response schema of the action, or the error format).
    checkAnswer(this.app.versions, opts.version ?? 'v3.5', action, res.statusCode, parsed);
    return { status: res.statusCode, body: parsed };
  }

  /**
   * A raw request through the app with the bootstrap owner's token unless `headers` say otherwise (no answer check):
   * other methods, query strings, odd bodies.
   */
  async raw(method: 'GET' | 'POST' | 'PUT' | 'DELETE', url: string, body?: string, headers: Record<string, string> = {}) {
    const res = await this.app.inject({
      method,
      url,
      headers: { authorization: `Bearer ${this.boot.bearer_token}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...headers },
      ...(body !== undefined ? { payload: body } : {}),
    });
    return { status: res.statusCode, headers: res.headers, body: res.body ? JSON.parse(res.body) : undefined };
  }

  /** Call and assert 200; returns the body. */
  async ok<T = any>(action: string, body?: unknown, opts: CallOptions = {}): Promise<T> {
    const res = await this.call<T>(action, body, opts);
    if (res.status !== 200) {
      throw new Error(`${action} failed with ${res.status}: ${JSON.stringify(res.body)}`);
    }
    return res.body;
  }

  /** Create an agent through the API (as the owner) and return a bearer token for it with the given scopes. */
  async agentWithToken(
    id: string,
    scopes: readonly string[],
    o: { role?: string; clientId?: string | null; licenseId?: number; groups?: { id: number; priority: string }[] } = {},
  ): Promise<{ token: string; accountId: string }> {
    await this.ok('create_agent', { id, name: id.split('@')[0], role: o.role ?? 'normal', ...(o.groups ? { groups: o.groups } : {}) });
    return this.tokenFor(id, scopes, o);
  }

  /** A bearer token for an existing agent or bot of the licence. */
  async tokenFor(
    id: string,
    scopes: readonly string[],
    o: { clientId?: string | null; licenseId?: number } = {},
  ): Promise<{ token: string; accountId: string }> {
    const licenseId = o.licenseId ?? this.boot.license_id;
    const row = await this.accountOf(id, licenseId);
    const token = await insertAccessToken(this.store.db, {
      licenseId,
      accountId: row.account_id,
      clientId: o.clientId === undefined ? this.boot.client_id : o.clientId,
      scopes,
      region: this.region,
    });
    return { token, accountId: row.account_id };
  }

  private accountOf(id: string, licenseId: number): Promise<{ account_id: string }> {
    return this.store.db
      .selectFrom('agents')
      .select('account_id')
      .where('license_id', '=', licenseId)
      .where('id', '=', id)
      .executeTakeFirstOrThrow();
  }

  /** An `Authorization: Basic …` header value for a PAT of the given agent. */
  async patFor(id: string, scopes: readonly string[] = ALL_SCOPES, licenseId = this.boot.license_id): Promise<string> {
    const row = await this.accountOf(id, licenseId);
    const pat = await insertPat(this.store.db, { licenseId, accountId: row.account_id, scopes });
    return `Basic ${basicAuth(row.account_id, pat)}`;
  }
}


/**
 * Declare a suite that runs once per store (or per store of `kinds`). `fn` receives a getter for the started harness.
 * PostgreSQL is skipped (with a reason) only when it is unreachable and CI is not set.
 */
export function describeStores(
  name: string,
  fn: (h: () => Harness) => void,
  startOptions: Parameters<Harness['start']>[0] = {},
  kinds: readonly StoreKind[] = ['sqlite', 'postgres'],
): void {
  for (const kind of kinds) {
    describe(`${name} [${kind}]`, async () => {
      if (kind === 'postgres' && !(await postgresOrSkip())) return;
      const harness = new Harness(kind);
      before(async () => {
        await harness.start(startOptions);
      });
      after(async () => {
        await harness.stop();
      });
      fn(() => harness);
    });
  }
}

/** Expect an error response of the given type (and status per the README table). */
export function expectError(res: CallResult, type: string, status?: number): void {
  const got = res.body?.error?.type;
  if (got !== type || (status !== undefined && res.status !== status)) {
    throw new Error(`expected ${type}${status ? ` (${status})` : ''}, got ${res.status} ${JSON.stringify(res.body)}`);
  }
}

// ---------------------------------------------------------------- recorded webhook events (eventLog: all)

export interface RecordedEvent {
  action: string;
  payload: any;
  source_client_id: string | null;
}

/** Events of one licence recorded after sequence number `after`, oldest first (optionally one action only). */
export async function eventsSince(h: Harness, after: number, action?: string, licenseId = h.boot.license_id): Promise<RecordedEvent[]> {
  let q = h.store.db
    .selectFrom('webhook_events')
    .select(['action', 'payload', 'source_client_id', 'seq'])
    .where('license_id', '=', licenseId)
    .where('seq', '>', after);
  if (action) q = q.where('action', '=', action);
  const rows = await q.orderBy('seq').execute();
  return rows.map((r) => ({ action: r.action, payload: JSON.parse(r.payload), source_client_id: r.source_client_id }));
}

/** The last recorded sequence number of the licence (0 when none). */
export async function lastSeq(h: Harness, licenseId = h.boot.license_id): Promise<number> {
  const row = await h.store.db
    .selectFrom('webhook_events')
    .select((eb) => eb.fn.max('seq').as('seq'))
    .where('license_id', '=', licenseId)
    .executeTakeFirst();
  return Number(row?.seq ?? 0);
}

/** A new group through the API (the owner as its only member); returns its id. */
export async function newGroup(h: Harness, name = 'Group'): Promise<number> {
  const res = await h.ok('create_group', { name, agent_priorities: { [h.boot.owner.id]: 'normal' } });
  return res.id as number;
}

/** A new application of the organization (default: the bootstrap one), optionally installed on licences. */
export async function newApp(h: Harness, o: { organizationId?: string; install?: number[] } = {}): Promise<string> {
  return h.core.transaction(async (tx) => {
    const { client_id: clientId } = await createApplication(tx, h.core.cascades, { organizationId: o.organizationId ?? h.boot.organization_id, name: 'Test app' });
    for (const lic of o.install ?? []) await installApplication(tx, h.core.cascades, clientId, lic);
    return clientId;
  });
}

export async function install(h: Harness, clientId: string, licenseId: number): Promise<boolean> {
  return h.core.transaction((tx) => installApplication(tx, h.core.cascades, clientId, licenseId));
}
