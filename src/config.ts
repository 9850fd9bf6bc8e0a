/**
 * The one validated configuration of the server and the CLI. `loadConfig(env)` reads every environment variable
 * either of them uses, validates all of them at once against one schema (env-schema over TypeBox) and returns a
 * typed object; nothing else in src/ reads `process.env`. Problems are reported together, each naming the variable
 * and what it accepts, as a `ConfigError` (the CLI prints its message and exits with status 2).
 */
import { join } from 'node:path';
import envSchema from 'env-schema';
import { Type, type Static, type TSchema } from '@sinclair/typebox';
import { dataDirOf, parseCorsOrigins, parseDatabaseUrl, parseTrustProxy, redactUrl, type StoreKind } from './config-values.js';

export { dataDirOf, parseCorsOrigins, parseDatabaseUrl, redactUrl, type StoreKind };

/** A string among `values` (compared after the normalisation `loadConfig` applies to that variable). */
const choice = <const T extends readonly string[]>(values: T, def: T[number], description: string) =>
  Type.Unsafe<T[number]>({ type: 'string', enum: [...values], default: def, description });
const int = (def: number, min: number, description: string, max?: number) =>
  Type.Integer({ default: def, minimum: min, ...(max === undefined ? {} : { maximum: max }), description });
/** Integers whose default depends on another variable: no schema default, filled in by loadConfig. */
const derivedInt = (min: number, description: string) => Type.Optional(Type.Integer({ minimum: min, description }));
const ON_OFF = ['on', 'off'] as const;
const onOff = (def: 'on' | 'off', description: string) => choice(ON_OFF, def, description);
/** API versions' lifecycle (issue 22): a stage, and a `YYYY-MM-DD` end date (checked by loadConfig). */
const STAGES = ['stable', 'legacy', 'deprecated'] as const;
const stage = (v: string, def: (typeof STAGES)[number]) => choice(STAGES, def, `Lifecycle stage of API v${v}: legacy/deprecated answers carry a Legacy/Deprecation header`);
const endDate = (v: string, def?: string) =>
  Type.String({ ...(def ? { default: def } : {}), minLength: 1, description: `YYYY-MM-DD when v${v}'s stage ends, sent in that header${def ? ' (an invented placeholder: the references show the dates only in an image)' : ''}` });
/** The served API versions, oldest first (src/versions/ defines them; a version without a stage here does not start). */
export const API_VERSIONS = ['3.4', '3.5', '3.6'] as const;

export const DEFAULT_DATABASE_URL = 'sqlite:./data/config-api.sqlite';
export const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'] as const;
export const SQLITE_SYNCHRONOUS_VALUES = ['OFF', 'NORMAL', 'FULL', 'EXTRA'] as const;

/** Every environment variable, with its default and meaning (also the source of `config-api help`'s list). */
export const EnvSchema = Type.Object({
  PORT: int(8080, 0, 'HTTP port', 65535),
  HOST: Type.String({ default: '127.0.0.1', minLength: 1, description: 'Interface to bind' }),
  REGION: choice(['dal', 'fra'], 'dal', "This server's data center; tokens of the other region get misdirected_request"),
  DATABASE_URL: Type.String({
    default: DEFAULT_DATABASE_URL,
    minLength: 1,
    description: 'sqlite:<file> or a bare file path (SQLite, WAL; sqlite::memory: = throwaway), or postgres://user@host:5432/db (a local Unix socket: postgresql://user@%2Fvar%2Frun%2Fpostgresql/db)',
  }),
  DATABASE_POOL_SIZE: int(10, 1, 'PostgreSQL connections per process'),
  DATABASE_CONNECT_TIMEOUT_MS: int(3_000, 1, 'PostgreSQL: longest wait for a connection; while the database is away, requests answer 503 within this'),
  DATABASE_QUERY_TIMEOUT_MS: int(10_000, 1, 'PostgreSQL: a query without an answer after this fails (503) and its connection is replaced'),
  PG_READ_CACHE: onOff('on', 'PostgreSQL: get_agent/list_agents answered from the node\'s cache after a notification barrier (exact across nodes; each barrier is a small transaction); off: every read goes to the database'),
  SQLITE_SYNCHRONOUS: choice(SQLITE_SYNCHRONOUS_VALUES, 'NORMAL', 'SQLite synchronous pragma (FULL survives power loss, slower)'),
  LOG_LEVEL: choice(LOG_LEVELS, 'info', 'pino log level'),
  AUTH_CACHE_TTL_MS: int(5000, 0, 'How long a token lookup is cached per process (0 = not cached)'),
  RATE_LIMIT_MAX: int(0, 0, 'Requests per window per credential (0 = off)'),
  RATE_LIMIT_WINDOW_MS: int(60_000, 1, 'Rate-limit window'),
  WEBHOOK_DELIVERY: onOff('on', 'off: this process queues webhook deliveries but does not send them'),
  WEBHOOK_TIMEOUT_MS: int(10_000, 1, 'Timeout of one webhook POST'),
  WEBHOOK_MAX_ATTEMPTS: int(10, 1, 'Attempts before a delivery is failed'),
  WEBHOOK_MAX_AGE_MS: int(86_400_000, 1, 'Time budget of a delivery before it is failed'),
  WEBHOOK_RETRY_BASE_MS: int(1_000, 1, 'First retry delay (doubles each attempt, with jitter)'),
  WEBHOOK_RETRY_MAX_MS: int(600_000, 1, 'Longest retry delay'),
  WEBHOOK_CONCURRENCY: int(16, 1, 'Webhook requests in flight per process'),
  WEBHOOK_PER_WEBHOOK_CONCURRENCY: derivedInt(1, 'Webhook requests in flight per process to one webhook (default WEBHOOK_CONCURRENCY / 4)'),
  WEBHOOK_POLL_MS: int(2_000, 10, 'How often to look for deliveries queued by other processes or due for retry'),
  WEBHOOK_LEASE_MS: derivedInt(2, 'How long a claim holds before another process may take it over (default WEBHOOK_TIMEOUT_MS + 30000)'),
  WEBHOOK_STATS_MS: int(60_000, 0, 'Period of the deliveries-by-status log line (0 = off)'),
  WEBHOOK_RETENTION_MS: int(7 * 86_400_000, 0, 'Delivered/cancelled deliveries and unreferenced events older than this are deleted (0 = keep)'),
  WEBHOOK_PRUNE_MS: int(3_600_000, 1_000, 'How often each server prunes webhook history'),
  WEBHOOK_EVENT_LOG: choice(['subscribed', 'all'], 'subscribed', 'subscribed: store an event only when a webhook will receive it; all: audit log of every event'),
  WEBHOOK_ALLOW_PRIVATE: onOff('on', 'off refuses webhook destinations on loopback, private, link-local and other non-public ranges'),
  // Developer platform (issue 14): HTTPS/HTTP2 and the control plane.
  TLS: choice(['off', 'self-signed'], 'off', 'self-signed: HTTPS with a local CA and a localhost certificate made once into the data directory (ignored when TLS_CERT/TLS_KEY are set)'),
  TLS_CERT: Type.Optional(Type.String({ minLength: 1, description: 'PEM certificate (chain) file: serve HTTPS + HTTP/2 (with TLS_KEY)' })),
  TLS_KEY: Type.Optional(Type.String({ minLength: 1, description: 'PEM private key file of TLS_CERT' })),
  ADMIN_TOKEN: Type.Optional(Type.String({ minLength: 16, description: 'Enables the control plane under /admin/ (Authorization: Bearer <ADMIN_TOKEN>); unset = off' })),
  JOURNAL_SIZE: int(1000, 1, 'Recent API calls kept for GET /admin/requests (with ADMIN_TOKEN): of every node with PostgreSQL, of the process with SQLite', 1_000_000),
  JOURNAL_BODIES: onOff('off', 'on: the request journal also keeps request and response bodies (secrets redacted)'),
  // Web console (issue 15), on with the control plane.
  CONSOLE_SESSION_TTL_MS: int(12 * 3_600_000, 1, 'Lifetime of a web console session (/console, with ADMIN_TOKEN)'),
  // Operating (issue 13): readiness, metrics, CORS, shutdown.
  READINESS_TIMEOUT_MS: int(2_000, 1, 'How long /readyz waits for the database before answering 503'),
  METRICS_TOKEN: Type.Optional(Type.String({ minLength: 1, description: 'When set, GET /metrics requires Authorization: Bearer <this token>' })),
  CORS_ORIGINS: Type.String({
    default: '*',
    minLength: 1,
    description: 'Origins browsers may call from: * (any), a comma-separated list of origins, or off (no CORS headers)',
  }),
  SHUTDOWN_TIMEOUT_MS: int(10_000, 1, 'After SIGTERM/SIGINT, exit within this long whatever clients do (a second signal exits at once)'),
  // --- hardening (issue 16): slow clients, failed authentications, bot-token signing keys
  HEADERS_TIMEOUT_MS: int(15_000, 1, 'A request whose headers have not all arrived within this is answered 408 and closed'),
  REQUEST_TIMEOUT_MS: int(30_000, 1, 'A request not completely received within this is answered 408 and closed'),
  KEEP_ALIVE_TIMEOUT_MS: int(5_000, 1, 'An idle keep-alive connection is closed after this'),
  AUTH_FAILURE_LIMIT: int(20, 0, 'Failed authentications per client address within AUTH_FAILURE_WINDOW_MS before its requests answer too_many_requests (0 = off)'),
  AUTH_FAILURE_WINDOW_MS: int(60_000, 1, 'Window of AUTH_FAILURE_LIMIT'),
  TRUST_PROXY: Type.String({
    default: 'off',
    minLength: 1,
    description: 'Client address from X-Forwarded-For: off, on (trust every proxy), or the proxies\' addresses/CIDRs separated by commas',
  }),
  TOKEN_SIGNING_KEY: Type.Optional(Type.String({ minLength: 1, description: 'Bot-token signing key(s), at least 32 characters each; several separated by commas: the first signs, all verify (rotation)' })),
  TOKEN_SIGNING_KEY_FILE: Type.Optional(Type.String({ minLength: 1, description: 'File holding the signing keys (written by config-api keys rotate); default: token-signing-keys.json next to the SQLite file (generated on first start). With PostgreSQL one of TOKEN_SIGNING_KEY and TOKEN_SIGNING_KEY_FILE is required' })),
  // API versions (issue 22): v3.6 stable, v3.5 legacy, v3.4 deprecated.
  V3_4_STAGE: stage('3.4', 'deprecated'),
  V3_4_END_DATE: endDate('3.4', '2027-03-31'),
  V3_5_STAGE: stage('3.5', 'legacy'),
  V3_5_END_DATE: endDate('3.5', '2027-09-30'),
  V3_6_STAGE: stage('3.6', 'stable'),
  V3_6_END_DATE: Type.Optional(endDate('3.6')),
});
export type Env = Static<typeof EnvSchema>;

export interface DatabaseConfig {
  kind: StoreKind;
  /** As given (for messages; may hold a password: never log it whole). */
  url: string;
  /** SQLite: the file path, or ':memory:'. */
  file?: string;
  poolSize: number;
  /** PostgreSQL: longest wait for a connection (pool or new). */
  connectTimeoutMs: number;
  /** PostgreSQL: longest wait for a query's answer. */
  queryTimeoutMs: number;
  sqliteSynchronous: (typeof SQLITE_SYNCHRONOUS_VALUES)[number];
  /** PostgreSQL: agent answers from the node's cache, trusted after a barrier of its change listener. */
  readCache: boolean;
}

export interface DeliveryConfig {
  /** WEBHOOK_DELIVERY=off: this process queues deliveries but does not send them (API-only node). */
  enabled: boolean;
  timeoutMs: number;
  maxAttempts: number;
  retryBaseMs: number;
  retryMaxMs: number;
  /** A delivery is given up after this long (counted from its event, or from a manual retry). */
  maxAgeMs: number;
  concurrency: number;
  perWebhookConcurrency: number;
  pollMs: number;
  leaseMs: number;
  /** Period of the "deliveries by status" log line; 0 = never. */
  statsMs: number;
  /** How long delivered/cancelled deliveries and their events are kept; 0 = forever. */
  retentionMs: number;
  /** How often this process prunes history. */
  pruneMs: number;
  /** false refuses loopback/private/link-local destinations (SSRF guard for production). */
  allowPrivate: boolean;
  /** Which events are stored: only those a webhook will receive, or all of them (an audit log). */
  eventLog: 'subscribed' | 'all';
}

export interface RateLimitConfig {
  /** Requests per window per credential; 0 disables limiting. */
  max: number;
  windowMs: number;
}

/** HTTPS: off (plain HTTP), PEM files, or a self-signed local CA made once into `dataDir`. */
export interface TlsConfig {
  mode: 'off' | 'files' | 'self-signed';
  certFile?: string;
  keyFile?: string;
  /** Where `self-signed` keeps its CA and certificate: next to the SQLite file, else ./data. */
  dataDir: string;
}

/** The control plane (/admin/): off when `token` is null. */
export interface AdminConfig {
  token: string | null;
  journalSize: number;
  journalBodies: boolean;
  /** Lifetime of a web console session (the console is on with the control plane). */
  consoleSessionTtlMs: number;
}

/** Operating settings (issue 13). */
export interface OpsConfig {
  /** Bound of the database check of /readyz. */
  readinessTimeoutMs: number;
  /** Bearer token /metrics requires; null = open. */
  metricsToken: string | null;
  /** '*' (any origin), 'off' (no CORS), or the allowed origins. */
  corsOrigins: '*' | 'off' | string[];
  shutdownTimeoutMs: number;
}

export interface HttpLimitsConfig {
  headersTimeoutMs: number;
  requestTimeoutMs: number;
  keepAliveTimeoutMs: number;
}

/** Fastify's `trustProxy`: false, true, or comma-separated proxy addresses/CIDRs. */
export type TrustProxy = boolean | string;

export interface AuthFailureConfig {
  /** Failed authentications per client address per window; 0 disables the limit. */
  limit: number;
  windowMs: number;
}

export interface SigningKeyConfig {
  /** TOKEN_SIGNING_KEY: the keys themselves (first signs), or null when not configured. */
  keys: string[] | null;
  /** Where keys are read from (and generated on first start) when `keys` is null. */
  file: string;
  /** True when the file was named by TOKEN_SIGNING_KEY_FILE (never generated then: it must exist). */
  fileConfigured: boolean;
  /** PostgreSQL, which several servers may share: a key is never generated, one of the two variables must name it. */
  shared: boolean;
}

/** A served API version's lifecycle: its stage, and when that stage ends (`YYYY-MM-DD`; null only when stable). */
export interface VersionLifecycle {
  stage: (typeof STAGES)[number];
  endDate: string | null;
}

export interface Config {
  port: number;
  host: string;
  region: 'dal' | 'fra';
  database: DatabaseConfig;
  logLevel: (typeof LOG_LEVELS)[number];
  auth: { cacheTtlMs: number };
  rateLimit: RateLimitConfig;
  webhooks: DeliveryConfig;
  tls: TlsConfig;
  admin: AdminConfig;
  ops: OpsConfig;
  http: HttpLimitsConfig;
  trustProxy: TrustProxy;
  authFailures: AuthFailureConfig;
  signingKeys: SigningKeyConfig;
  /** Each served API version's lifecycle, by version (`3.6`). */
  versions: Record<(typeof API_VERSIONS)[number], VersionLifecycle>;
}

/** Configuration problems, all of them, one per line of `message` (no stack trace is meant to be shown). */
export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

function describe(schema: TSchema): string {
  if (Array.isArray(schema.enum)) return `one of ${schema.enum.join(', ')}`;
  if (schema.type === 'integer') {
    const range = schema.maximum !== undefined ? `between ${schema.minimum} and ${schema.maximum}` : `>= ${schema.minimum}`;
    return `an integer ${range}`;
  }
  if (typeof schema.minLength === 'number' && schema.minLength > 1) return `a string of at least ${schema.minLength} characters`;
  return 'a non-empty string';
}

/** Variables whose values are compared ignoring case (normalised before validation). */
const LOWER = new Set(['TLS', 'REGION', 'LOG_LEVEL', 'WEBHOOK_EVENT_LOG', 'WEBHOOK_DELIVERY', 'WEBHOOK_ALLOW_PRIVATE', 'V3_4_STAGE', 'V3_5_STAGE', 'V3_6_STAGE']);
const UPPER = new Set(['SQLITE_SYNCHRONOUS']);
const ON_OFF_ALIASES: Record<string, 'on' | 'off'> = { on: 'on', true: 'on', '1': 'on', off: 'off', false: 'off', '0': 'off' };

export function loadConfig(env: Record<string, string | undefined>): Config {
  const properties = EnvSchema.properties as Record<string, TSchema>;
  const data: Record<string, string> = {};
  for (const name of Object.keys(properties)) {
    let v = env[name];
    if (v === undefined || v === '') continue; // empty = unset: the default applies
    v = v.trim();
    if (LOWER.has(name)) v = v.toLowerCase();
    if (UPPER.has(name)) v = v.toUpperCase();
    if (properties[name].enum?.includes('on')) v = ON_OFF_ALIASES[v] ?? v;
    data[name] = v;
  }
  const problems: string[] = [];
  const url = data.DATABASE_URL ?? DEFAULT_DATABASE_URL;
  const db = parseDatabaseUrl(url);
  if (!db) {
    problems.push(
      `DATABASE_URL must be sqlite:<path>, a file path, or postgres://user@host:port/database, got ${JSON.stringify(redactUrl(url))}`,
    );
  }
  const corsOrigins = parseCorsOrigins(data.CORS_ORIGINS ?? '*');
  if (!corsOrigins) {
    problems.push(`CORS_ORIGINS must be *, off, or a comma-separated list of origins like https://app.example.com, got ${JSON.stringify(env.CORS_ORIGINS)}`);
  }
  let e: Env;
  try {
    e = envSchema<Env>({ schema: EnvSchema, data, env: false, dotenv: false });
  } catch (err) {
    const errors = (err as { errors?: Array<{ instancePath: string; params: Record<string, unknown> }> }).errors ?? [];
    const seen = new Set<string>();
    for (const x of errors) {
      const name = x.instancePath.replace(/^\//, '') || String(x.params.missingProperty ?? '');
      if (seen.has(name)) continue;
      seen.add(name);
      problems.push(`${name} must be ${describe(properties[name] ?? {})}, got ${JSON.stringify(env[name] ?? '')}`);
    }
    if (errors.length === 0) problems.push((err as Error).message);
    throw new ConfigError(problems);
  }
  const leaseMs = e.WEBHOOK_LEASE_MS ?? e.WEBHOOK_TIMEOUT_MS + 30_000;
  if (leaseMs <= e.WEBHOOK_TIMEOUT_MS) {
    problems.push(`WEBHOOK_LEASE_MS must be greater than WEBHOOK_TIMEOUT_MS (${e.WEBHOOK_TIMEOUT_MS}), got ${JSON.stringify(env.WEBHOOK_LEASE_MS)}`);
  }
  if (e.HEADERS_TIMEOUT_MS > e.REQUEST_TIMEOUT_MS) {
    problems.push(`HEADERS_TIMEOUT_MS must not exceed REQUEST_TIMEOUT_MS (${e.REQUEST_TIMEOUT_MS}), got ${JSON.stringify(env.HEADERS_TIMEOUT_MS)}`);
  }
  const signingKeys = e.TOKEN_SIGNING_KEY?.split(',').map((k) => k.trim()).filter(Boolean) ?? null;
  if (signingKeys?.some((k) => k.length < 32)) problems.push('TOKEN_SIGNING_KEY must hold keys of at least 32 characters each (separated by commas)');
  if (signingKeys && e.TOKEN_SIGNING_KEY_FILE) problems.push('Set TOKEN_SIGNING_KEY or TOKEN_SIGNING_KEY_FILE, not both');
  if ((e.TLS_CERT === undefined) !== (e.TLS_KEY === undefined)) {
    problems.push('TLS_CERT and TLS_KEY must be set together (PEM certificate and private key files)');
  }
  const versions = {} as Config['versions'];
  for (const v of API_VERSIONS) {
    const name = `V${v.replace('.', '_')}`;
    const given = e[`${name}_END_DATE` as keyof Env] as string | undefined;
    const date = given === undefined ? null : new Date(`${given}T00:00:00Z`);
    if (date && (Number.isNaN(date.getTime()) || date.toISOString().slice(0, 10) !== given)) problems.push(`${name}_END_DATE must be a date YYYY-MM-DD, got ${JSON.stringify(given)}`);
    const stage = e[`${name}_STAGE` as keyof Env] as VersionLifecycle['stage'];
    if (stage !== 'stable' && given === undefined) problems.push(`${name}_END_DATE must be set when ${name}_STAGE is ${stage} (its answers carry the date)`);
    versions[v] = { stage, endDate: given ?? null };
  }
  if (problems.length) throw new ConfigError(problems);

  return {
    port: e.PORT,
    host: e.HOST,
    region: e.REGION,
    database: {
      ...db!,
      url: e.DATABASE_URL,
      poolSize: e.DATABASE_POOL_SIZE,
      connectTimeoutMs: e.DATABASE_CONNECT_TIMEOUT_MS,
      queryTimeoutMs: e.DATABASE_QUERY_TIMEOUT_MS,
      sqliteSynchronous: e.SQLITE_SYNCHRONOUS,
      readCache: e.PG_READ_CACHE === 'on',
    },
    logLevel: e.LOG_LEVEL,
    auth: { cacheTtlMs: e.AUTH_CACHE_TTL_MS },
    rateLimit: { max: e.RATE_LIMIT_MAX, windowMs: e.RATE_LIMIT_WINDOW_MS },
    webhooks: {
      enabled: e.WEBHOOK_DELIVERY === 'on',
      timeoutMs: e.WEBHOOK_TIMEOUT_MS,
      maxAttempts: e.WEBHOOK_MAX_ATTEMPTS,
      retryBaseMs: e.WEBHOOK_RETRY_BASE_MS,
      retryMaxMs: e.WEBHOOK_RETRY_MAX_MS,
      maxAgeMs: e.WEBHOOK_MAX_AGE_MS,
      concurrency: e.WEBHOOK_CONCURRENCY,
      perWebhookConcurrency: e.WEBHOOK_PER_WEBHOOK_CONCURRENCY ?? Math.max(1, Math.floor(e.WEBHOOK_CONCURRENCY / 4)),
      pollMs: e.WEBHOOK_POLL_MS,
      leaseMs,
      statsMs: e.WEBHOOK_STATS_MS,
      retentionMs: e.WEBHOOK_RETENTION_MS,
      pruneMs: e.WEBHOOK_PRUNE_MS,
      allowPrivate: e.WEBHOOK_ALLOW_PRIVATE === 'on',
      eventLog: e.WEBHOOK_EVENT_LOG,
    },
    tls: {
      mode: e.TLS_CERT ? 'files' : e.TLS,
      ...(e.TLS_CERT ? { certFile: e.TLS_CERT, keyFile: e.TLS_KEY } : {}),
      dataDir: dataDirOf(db!.file),
    },
    admin: {
      token: e.ADMIN_TOKEN ?? null,
      journalSize: e.JOURNAL_SIZE,
      journalBodies: e.JOURNAL_BODIES === 'on',
      consoleSessionTtlMs: e.CONSOLE_SESSION_TTL_MS,
    },
    ops: {
      readinessTimeoutMs: e.READINESS_TIMEOUT_MS,
      metricsToken: e.METRICS_TOKEN ?? null,
      corsOrigins: corsOrigins!,
      shutdownTimeoutMs: e.SHUTDOWN_TIMEOUT_MS,
    },
    http: { headersTimeoutMs: e.HEADERS_TIMEOUT_MS, requestTimeoutMs: e.REQUEST_TIMEOUT_MS, keepAliveTimeoutMs: e.KEEP_ALIVE_TIMEOUT_MS },
    trustProxy: parseTrustProxy(e.TRUST_PROXY),
    authFailures: { limit: e.AUTH_FAILURE_LIMIT, windowMs: e.AUTH_FAILURE_WINDOW_MS },
    signingKeys: {
      keys: signingKeys,
      file: e.TOKEN_SIGNING_KEY_FILE ?? defaultKeyFile(db!),
      fileConfigured: e.TOKEN_SIGNING_KEY_FILE !== undefined,
      shared: db!.kind === 'postgres',
    },
    versions,
  };
}

/** The generated key file of a server without TOKEN_SIGNING_KEY(_FILE): next to the SQLite file, else ./data/. */
function defaultKeyFile(db: Pick<DatabaseConfig, 'kind' | 'file'>): string {
  return join(dataDirOf(db.kind === 'sqlite' ? db.file : undefined), 'token-signing-keys.json');
}

/** Every variable with its default and meaning, for help texts. */
export function environmentVariables(): Array<{ name: string; default: string; description: string }> {
  return Object.entries(EnvSchema.properties as Record<string, TSchema>).map(([name, s]) => ({
    name,
    default: s.default === undefined ? '' : String(s.default),
    description: String(s.description ?? ''),
  }));
}
