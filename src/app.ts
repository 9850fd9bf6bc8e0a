/**
 * The composition root: the only place that wires the store, the versioned action registry (from the areas and
 * src/versions/), authentication
 * (with the areas' bearer resolvers), the read caches, the HTTP server and webhook delivery, from one validated
 * configuration. Used by `config-api serve` and by the tests (through Fastify inject or a real port). Everything
 * created here belongs to this app: two apps in one process share nothing.
 */
import type { FastifyBaseLogger, FastifyInstance } from 'fastify';
import type { Config } from './config.js';
import type { Store } from './store/store.js';
import type { Area } from './kernel/area.js';
import { createCore, type Core } from './core.js';
import { buildVersions } from './versions/index.js';
import { ReadCaches } from './kernel/read-cache.js';
import { PgReadFreshness } from './shared-state/pg-read-freshness.js';
import { agentsNotified } from './store/notify.js';
import { Authenticator } from './http/auth.js';
import { Dispatcher } from './http/dispatch.js';
import { buildServer } from './http/server.js';
import { DeliveryWorker } from './webhooks/worker.js';
import { ControlPlane, type ControlPlaneState } from './http/control-plane.js';
import { authFailureHooks } from './http/auth-failures.js';
import { loadTls, type TlsMaterial } from './http/tls.js';
import { Metrics } from './http/metrics.js';
import { Lifecycle } from './http/lifecycle.js';
import type { SigningKeys } from './kernel/signing-keys.js';
import { checkSigningKey } from './bots/token.js';
import { classifyDbError } from './store/health.js';
import type { ReportError } from './shared-state/poller.js';
import { MemoryAuthFailures, type AuthFailures } from './shared-state/auth-failures.js';
import { PgAuthFailures } from './shared-state/pg-auth-failures.js';
import type { RateCounters } from './shared-state/rate-counters.js';
import { PgRateCounters } from './shared-state/pg-rate-counters.js';
import { MemoryJournal } from './shared-state/journal.js';
import { PgJournal } from './shared-state/pg-journal.js';
import { MemoryFaultRules } from './shared-state/fault-rules.js';
import { PgFaultRules } from './shared-state/pg-fault-rules.js';
import { MemorySessions } from './shared-state/console-sessions.js';
import { PgSessions } from './shared-state/pg-console-sessions.js';
import { LicenseChanges, followOtherCommits } from './shared-state/license-changes.js';
import { PgChangeListener } from './shared-state/pg-change-listener.js';
import type { Change } from './store/notify.js';

export type AppOptions = (
  | { core: Core }
  | {
      store: Store;
      config: Config;
      /** The areas to serve (default: all of them, `ALL_AREAS` of src/areas-v36.ts). */
      areas?: readonly Area[];
    }
) & {
  /** Fastify's `logger` option (pino options, or false). */
  logger?: boolean | object;
  /**
   * With `store` and `config`: the keys signing bot tokens (`loadSigningKeys`); default: a random key in memory (see
   * createCore).
   */
  signingKeys?: SigningKeys;
  /** TLS material already loaded (`config-api serve` prints the CA path); default: from `config.tls`. */
  tls?: TlsMaterial | null;
};

export async function createApp(opts: AppOptions): Promise<FastifyInstance> {
  const core = 'core' in opts ? opts.core : createCore(opts.store, opts.config, opts.areas, opts.signingKeys);
  const { store, config, areas, signingKeys } = core;
  // Servers sharing a database must share keys: refused when the database records another signing key. Keys made up
  // in memory (tests, embedding) are neither checked nor recorded.
  if (!signingKeys.ephemeral) await checkSigningKey(store, signingKeys);
  const versions = buildVersions(areas, config.versions);
  const auth = new Authenticator(store, {
    region: config.region,
    cacheTtlMs: config.auth.cacheTtlMs,
    bearerResolvers: areas.flatMap((a) => (a.bearerResolver ? [a.bearerResolver] : [])),
    signingKeys,
  });

  let delivery: DeliveryWorker | undefined;
  // The licences committed transactions changed, for the views of a licence (the console's live licence view).
  const changes = new LicenseChanges();
  // What committed, here or (the listener below) in another process of the database.
  const committed = ({ signals, licenses }: Change) => {
    if (signals.has('credentials-changed')) auth.invalidate();
    if (signals.has('deliveries-queued')) delivery?.notify();
    if (licenses === '*') changes.stale();
    else if (licenses.size > 0) changes.publish(licenses);
  };
  core.onCommit((signals, licenses) => committed({ signals, licenses }));
  // PostgreSQL: agent answers cached per licence version heard from the database (exact across nodes; see the file).
  const freshness = store.dialect === 'postgres' && config.database.readCache ? new PgReadFreshness() : undefined;
  const dispatcher = new Dispatcher({ core, caches: new ReadCaches(store, freshness) });
  const metrics = new Metrics();
  let listener: PgChangeListener | null = null;
  metrics.observe({ authCache: () => auth.cacheStats, store, changeSignals: () => listener?.stats });
  const lifecycle = new Lifecycle();

  // Failures of the shared state's background work (a database outage is logged by the store's health instead).
  let log: FastifyBaseLogger | undefined;
  const shared = sharedState(store, config, (what, err) => {
    if (!classifyDbError(err)) log?.warn({ err }, `shared state: ${what} failed`);
  });
  const authFailures = authFailureHooks(shared.authFailures);
  // The journal, fault rules and console sessions of /admin/ and /console; the action pipeline records into the
  // journal and applies the rules.
  const controlPlane = config.admin.token && shared.controlPlane ? new ControlPlane(config.admin.token, shared.controlPlane) : null;
  const tls = opts.tls === undefined ? await loadTls(config.tls) : opts.tls;
  const app = await buildServer({
    versions,
    auth,
    dispatcher,
    logger: opts.logger,
    rateLimit: config.rateLimit,
    rateCounters: shared.rateCounters,
    store,
    ops: config.ops,
    metrics,
    lifecycle,
    authFailures,
    transport: config.http,
    trustProxy: config.trustProxy,
    tls: tls ?? undefined,
    controlPlane,
    // The control plane's routes are documented (tag `admin`) exactly when they are served.
    openApi: controlPlane ? { extensions: [controlPlane.openApiExtension()] } : {},
  }).catch(async (err: unknown) => {
    await closeSharedState(shared);
    throw err;
  });
  log = app.log;
  changes.onListenerError = (err) => app.log.error({ err }, 'licence changes: a listener failed');
  app.decorate('changes', changes);
  await controlPlane?.register(app, { core, versions, dispatcher, authFailures, changes }); // /admin/ and /console, only with ADMIN_TOKEN
  // The other processes' commits. When some may have been missed, or say nothing of what they changed, everything is
  // stale: cached token lookups, the delivery queue, every licence view.
  const stale = () => {
    freshness?.stale();
    auth.invalidate();
    delivery?.notify();
    changes.stale();
  };
  if (store.dialect === 'postgres') {
    const sink = { origin: core.origin, changed: committed, stale, agentsChanged: (id: number | '*') => freshness?.agentsChanged(id) };
    listener = await new PgChangeListener(store.url, sink, app.log, { connectTimeoutMs: config.database.connectTimeoutMs }).start();
    // Only where the database's triggers tell of every agents change (else reads keep reading the version per call).
    if (freshness && (await agentsNotified(store.db))) freshness.attach(listener);
  }
  // SQLite: another process's commit on the file (the CLI's) names nothing; noticed within OTHER_COMMITS_POLL_MS.
  const unfollow = store.otherCommits ? followOtherCommits(store.otherCommits, stale) : undefined;
  if (config.webhooks.enabled) delivery = new DeliveryWorker(store, app.log, config.webhooks, metrics.delivery).start();
  const unwatchDelivery = store.health.subscribe((event) => {
    if (event.type === 'up') delivery?.databaseRecovered();
  });
  app.decorate('lifecycle', lifecycle);
  const unwatch = logOutages(store, app.log);
  app.addHook('onClose', async () => {
    unwatch();
    unwatchDelivery();
    await listener?.close();
    unfollow?.();
    await delivery?.stop({ deadline: lifecycle.deadline });
    await closeSharedState(shared);
    changes.close();
  });
  return app;
}

/** What the nodes of one database must share: the limits' counts and the control plane's state. */
interface SharedState {
  /** AUTH_FAILURE_LIMIT (null: off). */
  authFailures: AuthFailures | null;
  /** RATE_LIMIT_MAX's counts (null: off, or kept by @fastify/rate-limit's own store in this process). */
  rateCounters: RateCounters | null;
  /** With ADMIN_TOKEN. */
  controlPlane: ControlPlaneState | null;
}

/**
 * Where the app keeps what several nodes must share (src/shared-state/): in PostgreSQL when the store is PostgreSQL,
 * so every node of the database enforces the same limits and shows the same rules, journal and sessions; in this
 * process's memory with SQLite, whose database belongs to one process. A piece is made only when its feature is on.
 */
function sharedState(store: Store, config: Config, report: ReportError): SharedState {
  const { authFailures, rateLimit, admin } = config;
  if (store.dialect === 'postgres') {
    const db = store.db;
    return {
      authFailures: authFailures.limit > 0 ? new PgAuthFailures(db, authFailures, report) : null,
      rateCounters: rateLimit.max > 0 ? new PgRateCounters(db, report) : null,
      controlPlane: admin.token
        ? {
            journal: new PgJournal(db, admin.journalSize, admin.journalBodies, report),
            faults: new PgFaultRules(db, report),
            sessions: new PgSessions(db, admin.consoleSessionTtlMs),
          }
        : null,
    };
  }
  return {
    authFailures: authFailures.limit > 0 ? new MemoryAuthFailures(authFailures) : null,
    rateCounters: null,
    controlPlane: admin.token
      ? {
          journal: new MemoryJournal(admin.journalSize, admin.journalBodies),
          faults: new MemoryFaultRules(),
          sessions: new MemorySessions(admin.consoleSessionTtlMs),
        }
      : null,
  };
}

/** Stop the shared state's background work; the journal writes what is still waiting. */
async function closeSharedState(s: SharedState): Promise<void> {
  await Promise.all([s.authFailures?.close(), s.rateCounters?.close(), s.controlPlane?.faults.close(), s.controlPlane?.journal.close()]);
}

/** One log line when the database stops serving this process, one when it is back (never one per failed request). */
function logOutages(store: Store, log: FastifyBaseLogger): () => void {
  return store.health.subscribe((event) => {
    const { failure, errors, cause } = event.outage;
    if (event.type === 'down') {
      log.error({ kind: failure.kind, reason: failure.reason, cause }, 'database unavailable: requests that need it answer 503 until it is back');
    } else {
      log.warn({ kind: failure.kind, reason: failure.reason, down_ms: event.downMs, errors }, 'database available again');
    }
  });
}

declare module 'fastify' {
  interface FastifyInstance {
    /** Drain state: `serve` calls `app.lifecycle.drain(timeoutMs)` before `app.close()` on a shutdown signal. */
    lifecycle: Lifecycle;
    /** The licence change feed: `app.changes.subscribe(licenseId | '*', fn)` (src/shared-state/license-changes.ts). */
    changes: LicenseChanges;
  }
}
