/**
 * Prometheus metrics (prom-client), one `Registry` per app: two apps in one process never share a metric. Request
 * metrics are observed by the request hook (telemetry.ts); the store's pool, the authentication cache and the webhook
 * queue are read when `/metrics` is scraped (the queue with one query over the status index); the delivery worker
 * observes its sends through the `DeliveryMetrics` sink. README "Metrics" lists every metric.
 */
import type { FastifyInstance } from 'fastify';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { Store } from '../store/store.js';
import { deliveryQueue, type DeliveryMetrics } from '../webhooks/delivery-stats.js';
import { ApiError } from '../kernel/errors.js';
import { bearerMatches, hashSecret } from '../kernel/crypto.js';
import { RequestMetrics } from './call-metrics.js';
import type { ListenerStats } from '../shared-state/pg-change-listener.js';

/** Longest wait for the webhook queue query during a scrape. */
const QUEUE_QUERY_BOUND_MS = 2_000;

export class Metrics {
  readonly registry = new Registry();
  /** Calls counted and timed by version, action, status and error type (label sets bound in advance). */
  readonly requests: RequestMetrics;
  readonly batchSize: Histogram<'action'>;
  readonly delivery: DeliveryMetrics;
  private readonly deliveries: Counter<'status'>;
  private readonly deliveryDuration: Histogram<'outcome'>;
  private readonly deliveryAttempts: Histogram<'status'>;
  /** Read on scrape. */
  private sources: Sources = {};

  constructor() {
    const registers = [this.registry];
    this.requests = new RequestMetrics(this.registry);
    this.batchSize = new Histogram({
      name: 'config_api_batch_size',
      help: 'Items per batch call, by batch action',
      labelNames: ['action'],
      buckets: [1, 2, 5, 10, 20, 50, 100],
      registers,
    });
    const self = this;
    // Registered only: its value comes from the authentication cache on every scrape.
    new Counter({
      name: 'config_api_auth_cache_lookups_total',
      help: 'Credential lookups answered from the authentication cache (hit) or the database (miss)',
      labelNames: ['result'],
      registers,
      collect() {
        const s = self.sources.authCache?.();
        if (!s) return;
        this.reset();
        this.inc({ result: 'hit' }, s.hits);
        this.inc({ result: 'miss' }, s.misses);
      },
    });
    // One query per scrape feeds both queue gauges: the first collect starts it, the second awaits the same promise.
    let queue: ReturnType<typeof deliveryQueue> | null = null;
    // Bounded: a database that does not answer (or an error) makes both gauges NaN instead of stalling the scrape.
    const readQueue = () => {
      const store = self.sources.store;
      if (!store) return Promise.resolve(null);
      let timer: NodeJS.Timeout | undefined;
      const late = new Promise<null>((r) => (timer = setTimeout(() => r(null), QUEUE_QUERY_BOUND_MS)));
      return Promise.race([deliveryQueue(store).catch(() => null), late]).finally(() => clearTimeout(timer));
    };
    new Gauge({
      name: 'config_api_webhook_queue_depth',
      help: 'Pending webhook deliveries (all servers)',
      registers,
      async collect() {
        queue = readQueue() as ReturnType<typeof deliveryQueue>;
        const q = await queue;
        this.set(q ? q.depth : NaN);
      },
    });
    new Gauge({
      name: 'config_api_webhook_oldest_pending_age_seconds',
      help: 'Age of the oldest pending webhook delivery (0 when none)',
      registers,
      async collect() {
        const q = await (queue ?? readQueue());
        queue = null;
        if (!q) this.set(NaN);
        else this.set(q.oldestCreatedAt ? Math.max(0, (Date.now() - Date.parse(q.oldestCreatedAt)) / 1000) : 0);
      },
    });
    this.deliveries = new Counter({
      name: 'config_api_webhook_deliveries_total',
      help: 'Webhook deliveries this process finished with, by status (delivered, failed, cancelled, retry = queued again)',
      labelNames: ['status'],
      registers,
    });
    this.deliveryDuration = new Histogram({
      name: 'config_api_webhook_delivery_duration_seconds',
      help: 'Duration of one webhook POST, by outcome (success, http_error, network_error)',
      labelNames: ['outcome'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers,
    });
    this.deliveryAttempts = new Histogram({
      name: 'config_api_webhook_delivery_attempts',
      help: 'Attempts a webhook delivery took, observed when it is delivered or failed for good',
      labelNames: ['status'],
      buckets: [1, 2, 3, 5, 8, 13, 20],
      registers,
    });
    this.delivery = {
      attempt: (outcome, seconds) => this.deliveryDuration.observe({ outcome }, seconds),
      finished: (status, attempts) => {
        this.deliveries.inc({ status });
        if (status === 'delivered' || status === 'failed') this.deliveryAttempts.observe({ status }, attempts);
      },
    };
    // Label sets known up front, so the series exist (at 0) from the first scrape.
    for (const status of ['delivered', 'failed', 'cancelled', 'retry']) this.deliveries.inc({ status }, 0);
  }

  /**
   * The exposition text. prom-client's process defaults join the registry at the first scrape: they start an
   * event-loop monitor and a GC observer that cannot be stopped, which apps never scraped (tests) need not carry.
   */
  async text(): Promise<string> {
    if (!this.defaultsOn) {
      collectDefaultMetrics({ register: this.registry });
      // prom-client counts process CPU from when its collector is made (here, at the first scrape); the metrics mean
      // the CPU since the process started, so the collector starts from what was used so far.
      const used = process.cpuUsage();
      const start = (name: string, micros: number) => (this.registry.getSingleMetric(name) as Counter | undefined)?.inc(micros / 1e6);
      start('process_cpu_user_seconds_total', used.user);
      start('process_cpu_system_seconds_total', used.system);
      start('process_cpu_seconds_total', used.user + used.system);
      this.defaultsOn = true;
    }
    return this.registry.metrics();
  }
  private defaultsOn = false;

  /** What the scrape reads: the authentication cache's counters, the store (pool, webhook queue), the change listener. */
  observe(sources: Sources): void {
    this.sources = { ...this.sources, ...sources };
    if (sources.changeSignals && sources.store?.dialect === 'postgres') this.observeChangeSignals(sources.changeSignals);
    const p = sources.store?.pool;
    if (p && !this.registry.getSingleMetric('config_api_db_pool_connections')) {
      const stats = { total: () => p.totalCount, idle: () => p.idleCount, waiting: () => p.waitingCount };
      const pool = (name: string, help: string, pick: keyof typeof stats) =>
        new Gauge({
          name,
          help,
          registers: [this.registry],
          collect() {
            this.set(stats[pick]());
          },
        });
      pool('config_api_db_pool_connections', 'PostgreSQL pool: open connections (pg Pool totalCount)', 'total');
      pool('config_api_db_pool_idle_connections', 'PostgreSQL pool: idle connections (pg Pool idleCount)', 'idle');
      pool('config_api_db_pool_waiting_requests', 'PostgreSQL pool: queries waiting for a connection (pg Pool waitingCount)', 'waiting');
    }
    const health = sources.store?.health;
    if (health && !this.registry.getSingleMetric('config_api_database_errors_total')) {
      new Counter({
        name: 'config_api_database_errors_total',
        help: 'Database failures met by this process, by kind (unreachable, connection_lost, timeout, server_shutdown, disk_full, read_only, io_error)',
        labelNames: ['kind'],
        registers: [this.registry],
        collect() {
          this.reset();
          for (const [kind, n] of health.errorCounts()) this.inc({ kind }, n);
        },
      });
      new Gauge({
        name: 'config_api_database_available',
        help: '1 while the database serves this process, 0 during an outage (from the first failure until a probe or a transaction succeeds)',
        registers: [this.registry],
        collect() {
          this.set(health.outage ? 0 : 1);
        },
      });
    }
  }

  private observeChangeSignals(stats: () => ListenerStats | undefined): void {
    if (this.registry.getSingleMetric('config_api_change_signals_listening')) return;
    const registers = [this.registry];
    new Gauge({
      name: 'config_api_change_signals_listening',
      help: "1 while this process listens to the other nodes' change signals (PostgreSQL LISTEN), 0 while it reconnects",
      registers,
      collect() {
        this.set(stats()?.listening ? 1 : 0);
      },
    });
    for (const [name, help, pick] of [
      ['config_api_change_signals_reconnects_total', 'Times the change-signal listener listened again after losing its connection', 'reconnects'],
      ['config_api_change_signals_received_total', 'Change signals received from the other nodes', 'received'],
      ['config_api_read_barriers_total', 'Barriers sent before serving cached agent reads (each serves every read that waited for it)', 'barriers'],
    ] as const) {
      new Counter({
        name,
        help,
        registers,
        collect() {
          this.reset();
          this.inc(stats()?.[pick] ?? 0);
        },
      });
    }
  }
}

interface Sources {
  authCache?: () => { hits: number; misses: number };
  store?: Store;
  /** PostgreSQL: the change listener's counts (undefined before it exists). */
  changeSignals?: () => ListenerStats | undefined;
}

/** `GET /metrics` (Prometheus text format), behind `Authorization: Bearer <token>` when a token is configured. */
export function registerMetricsRoute(app: FastifyInstance, metrics: Metrics, token: string | null): void {
  const expected = token === null ? null : hashSecret(token);
  app.get('/metrics', async (req, reply) => {
    if (expected !== null) {
      if (!bearerMatches(req.headers.authorization, expected)) {
        reply.header('www-authenticate', 'Bearer realm="metrics"');
        throw new ApiError('authentication', 'GET /metrics needs Authorization: Bearer <METRICS_TOKEN>');
      }
    }
    const text = await metrics.text();
    return reply.type(metrics.registry.contentType).send(text);
  });
}
