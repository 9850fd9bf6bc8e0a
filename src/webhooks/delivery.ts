/**
 * Webhook delivery worker: sends the deliveries queued by the outbox (outbox.ts) to the webhooks' URLs.
 *
 * - At least once: a delivery is claimed with a lease (claim = attempts + 1), POSTed with a timeout; 2xx marks it
 *   delivered, anything else is retried with exponential backoff and jitter until the attempt or time budget runs
 *   out, then it is marked failed. Everything lives in the database, so a restart resumes where it stopped, and
 *   a crashed process's claims are taken over when their lease expires.
 * - Several processes share the queue: the claim is one UPDATE over a `FOR UPDATE SKIP LOCKED` sub-select on
 *   PostgreSQL (a single statement on SQLite, which has one writer), so each claim goes to exactly one process.
 * - Order: only the oldest pending delivery of each (webhook, licence) stream can be claimed, so one webhook
 *   receives one licence's events in event order.
 * - Isolation: sending happens outside API requests, with bounded concurrency overall and per webhook.
 */
import { hostname } from 'node:os';
import { Agent, request } from 'undici';
import { sql } from 'kysely';
import type { Logger } from '../kernel/registry.js';
import type { DeliveryConfig } from '../config.js';
import { nowIso, type Store } from '../store/store.js';
import { classifyDbError } from '../store/health.js';
import { randomHexId } from '../kernel/crypto.js';
import { DELIVERY_STATUSES, type WebhookDeliveriesTable } from './tables.js';
import { literalNonPublicHost, publicOnlyLookup } from './egress.js';
import { pruneWebhookHistory } from './retention.js';

export type { DeliveryConfig };

/**
 * The exact body POSTed for a delivery (the stored payload is spliced in as JSON text). Also shown by the control
 * plane (GET /admin/deliveries), so what it shows is what was sent.
 */
export function deliveryBody(
  w: { id: string; secret_key: string },
  ev: { action: string; organization_id: string; payload: string },
): string {
  return (
    `{"webhook_id":${JSON.stringify(w.id)},"secret_key":${JSON.stringify(w.secret_key)},` +
    `"action":${JSON.stringify(ev.action)},"organization_id":${JSON.stringify(ev.organization_id)},` +
    `"payload":${ev.payload},"additional_data":{}}`
  );
}

/** Exponential backoff with "equal jitter": half the step fixed, half random. */
export function backoffMs(attempt: number, cfg: Pick<DeliveryConfig, 'retryBaseMs' | 'retryMaxMs'>): number {
  const step = Math.min(cfg.retryMaxMs, cfg.retryBaseMs * 2 ** Math.min(30, Math.max(0, attempt - 1)));
  return Math.round(step / 2 + Math.random() * (step / 2));
}

/** Time kept before a shutdown deadline to abort the remaining sends and release their claims. */
const STOP_MARGIN_MS = 500;

type Claimed = Pick<
  WebhookDeliveriesTable,
  'id' | 'webhook_id' | 'event_id' | 'license_id' | 'attempts' | 'created_at' | 'retried_at'
>;

interface Outcome {
  ok: boolean;
  status: number | null;
  error: string | null;
}

/** The headers sent with every attempt of a delivery (besides those undici adds). */
export function deliveryHeaders(deliveryId: string, attempt: number): Record<string, string> {
  return {
    'content-type': 'application/json',
    'user-agent': 'config-api-webhooks/1',
    'x-webhook-delivery-id': deliveryId,
    'x-webhook-attempt': String(attempt),
  };
}

export class DeliveryWorker {
  readonly id = `${hostname()}:${process.pid}:${randomHexId(4)}`;
  private readonly inflight = new Map<string, Promise<void>>();
  private readonly perWebhook = new Map<string, number>();
  private readonly aborts = new Set<AbortController>();
  private readonly agent: Agent;
  private stopped = false;
  private orphansMayExist = false;
  private passing = false;
  private again = false;
  private pollTimer?: NodeJS.Timeout;
  private statsTimer?: NodeJS.Timeout;
  private pruneTimer?: NodeJS.Timeout;
  private wakeTimer?: NodeJS.Timeout;
  private wakeAt = Infinity;

  constructor(
    private readonly store: Store,
    private readonly log: Logger,
    private readonly cfg: DeliveryConfig,
    private readonly metrics?: DeliveryMetrics,
  ) {
    this.agent = new Agent({
      keepAliveTimeout: 4_000,
      connect: { timeout: cfg.timeoutMs, ...(cfg.allowPrivate ? {} : { lookup: publicOnlyLookup }) },
    });
  }

  start(): this {
    this.pollTimer = setInterval(() => this.kick(), this.cfg.pollMs);
    this.pollTimer.unref();
    if (this.cfg.statsMs > 0) {
      this.statsTimer = setInterval(() => void this.logStats(), this.cfg.statsMs);
      this.statsTimer.unref();
    }
    if (this.cfg.retentionMs > 0) {
      this.pruneTimer = setInterval(() => void this.prune(), this.cfg.pruneMs);
      this.pruneTimer.unref();
    }
    this.kick();
    return this;
  }

  private async prune(): Promise<void> {
    try {
      const before = new Date(Date.now() - this.cfg.retentionMs).toISOString();
      const n = await pruneWebhookHistory(this.store.db, before);
      if (n.deliveries || n.events) this.log.info(n, 'webhook history pruned');
    } catch (err) {
      this.logFailure(err, 'webhook delivery: pruning failed');
    }
  }

  /** A transaction of this app that queued deliveries committed: claim at once. */
  notify(): void {
    this.kick();
  }

  /**
   * The database is back after an outage: a claim it committed whose answer was lost on the way (the connection cut
   * mid-statement) holds its stream until the lease runs out, though nothing was sent. Release such claims (this
   * worker's, not in flight) at the start of the next pass, where every claim this worker received is in flight.
   */
  databaseRecovered(): void {
    this.orphansMayExist = true;
    this.kick();
  }

  private async releaseOrphans(): Promise<void> {
    const inflight = [...this.inflight.keys()];
    let q = this.store.db
      .updateTable('webhook_deliveries')
      .set({ lease_owner: null, lease_until: null, attempts: sql<number>`attempts - 1`, updated_at: nowIso() })
      .where('lease_owner', '=', this.id)
      .where('status', '=', 'pending');
    if (inflight.length) q = q.where('id', 'not in', inflight);
    const { numUpdatedRows } = await q.executeTakeFirst();
    if (numUpdatedRows > 0n) this.log.info({ released: Number(numUpdatedRows) }, 'webhook delivery: released claims whose answer the outage lost');
  }

  /**
   * Stop claiming. With a `deadline` (epoch ms, set by a graceful shutdown), sends already under way may finish
   * until shortly before it; whatever is still in flight then is aborted and its claim released (no attempt spent).
   */
  async stop(opts: { deadline?: number | null } = {}): Promise<void> {
    this.stopped = true;
    clearInterval(this.pollTimer);
    clearInterval(this.statsTimer);
    clearInterval(this.pruneTimer);
    clearTimeout(this.wakeTimer);
    const graceMs = opts.deadline ? opts.deadline - Date.now() - STOP_MARGIN_MS : 0;
    if (graceMs > 0 && this.inflight.size) {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        Promise.allSettled([...this.inflight.values()]),
        new Promise((r) => (timer = setTimeout(r, graceMs))),
      ]);
      clearTimeout(timer);
    }
    for (const ac of this.aborts) ac.abort(new Error('worker stopping'));
    while (this.passing || this.inflight.size) {
      await Promise.allSettled([...this.inflight.values()]);
      if (this.passing) await new Promise((r) => setTimeout(r, 5));
    }
    await this.agent.destroy();
  }

  /** Run a claim pass now (or right after the current one). */
  kick(): void {
    if (this.stopped) return;
    if (this.passing) {
      this.again = true;
      return;
    }
    this.passing = true;
    void this.pass()
      .catch((err) => this.logFailure(err, 'webhook delivery: claim failed'))
      .finally(() => {
        this.passing = false;
        if (this.again && !this.stopped) {
          this.again = false;
          this.kick();
        }
      });
  }

  private async pass(): Promise<void> {
    if (this.orphansMayExist) {
      this.orphansMayExist = false;
      await this.releaseOrphans();
    }
    for (;;) {
      if (this.stopped) return;
      const free = this.cfg.concurrency - this.inflight.size;
      if (free <= 0) return;
      const claimed = await this.claim(free);
      if (claimed.length === 0) return;
      await this.dispatch(claimed);
      if (claimed.length < free) return;
    }
  }

  private async claim(limit: number): Promise<Claimed[]> {
    const now = nowIso();
    const busy = [...this.perWebhook].filter(([, n]) => n >= this.cfg.perWebhookConcurrency).map(([id]) => id);
    let due = this.store.db
      .selectFrom('webhook_deliveries as d')
      .select('d.id')
      .where('d.status', '=', 'pending')
      .where('d.next_attempt_at', '<=', now)
      .where((eb) => eb.or([eb('d.lease_until', 'is', null), eb('d.lease_until', '<', now)]))
      .where((eb) =>
        eb.not(
          eb.exists(
            eb
              .selectFrom('webhook_deliveries as e')
              .select('e.id')
              .whereRef('e.webhook_id', '=', 'd.webhook_id')
              .whereRef('e.license_id', '=', 'd.license_id')
              .where('e.status', '=', 'pending')
              .whereRef('e.event_seq', '<', 'd.event_seq'),
          ),
        ),
      )
      .orderBy('d.next_attempt_at')
      .orderBy('d.event_seq')
      .limit(limit);
    if (busy.length) due = due.where('d.webhook_id', 'not in', busy);
    if (this.store.dialect === 'postgres') due = due.forUpdate().skipLocked();
    // A MATERIALIZED CTE evaluates the locking LIMIT query exactly once (an `IN (subquery)` may be re-evaluated by
    // PostgreSQL's planner and claim more than `limit` rows).
    const claimed = await this.store.db
      .with((wb) => wb('due').materialized(), () => due)
      .updateTable('webhook_deliveries')
      .set({
        lease_owner: this.id,
        lease_until: new Date(Date.now() + this.cfg.leaseMs).toISOString(),
        attempts: sql<number>`attempts + 1`,
        updated_at: now,
      })
      .where('id', 'in', (eb) => eb.selectFrom('due').select('due.id'))
      .where('status', '=', 'pending')
      .returning(['id', 'webhook_id', 'event_id', 'license_id', 'attempts', 'created_at', 'retried_at'])
      .execute();
    // One webhook may head several streams (one per licence): keep within its concurrency, hand the rest back.
    const keep: Claimed[] = [];
    const extra: Claimed[] = [];
    const taken = new Map<string, number>();
    for (const c of claimed) {
      const n = (this.perWebhook.get(c.webhook_id) ?? 0) + (taken.get(c.webhook_id) ?? 0);
      if (n >= this.cfg.perWebhookConcurrency) extra.push(c);
      else {
        taken.set(c.webhook_id, (taken.get(c.webhook_id) ?? 0) + 1);
        keep.push(c);
      }
    }
    if (extra.length) await this.release(extra.map((c) => c.id));
    return keep;
  }

  /** Load the claimed deliveries' webhooks and events (one query each) and start sending. */
  private async dispatch(claimed: Claimed[]): Promise<void> {
    const [webhooks, events] = await Promise.all([
      this.store.db
        .selectFrom('webhooks')
        .select(['id', 'url', 'secret_key'])
        .where('id', 'in', [...new Set(claimed.map((c) => c.webhook_id))])
        .execute(),
      this.store.db
        .selectFrom('webhook_events')
        .select(['id', 'action', 'organization_id', 'payload'])
        .where('id', 'in', [...new Set(claimed.map((c) => c.event_id))])
        .execute(),
    ]);
    const hooks = new Map(webhooks.map((w) => [w.id, w]));
    const evs = new Map(events.map((e) => [e.id, e]));
    for (const d of claimed) {
      const w = hooks.get(d.webhook_id);
      const ev = evs.get(d.event_id);
      this.perWebhook.set(d.webhook_id, (this.perWebhook.get(d.webhook_id) ?? 0) + 1);
      const job = (async () => {
        if (!w || !ev) {
          await this.finish(d, { ok: false, status: null, error: 'webhook unregistered' }, 'cancelled');
          return;
        }
        const body = deliveryBody(w, ev);
        const started = Date.now();
        const outcome = await this.post(w.url, body, d);
        if (outcome === null) return; // stopping: the claim was released
        // The POST happened: record it even if the database is away for a moment (else it is sent again).
        const leaseEnds = started + this.cfg.leaseMs;
        await this.whileUnavailable(leaseEnds, () => this.recordAttempt(d, outcome, started));
        await this.whileUnavailable(leaseEnds, () => this.finish(d, outcome));
      })()
        .catch((err) => this.logFailure(err, 'webhook delivery: bookkeeping failed', { delivery_id: d.id }))
        .finally(() => {
          this.inflight.delete(d.id);
          const n = (this.perWebhook.get(d.webhook_id) ?? 1) - 1;
          if (n <= 0) this.perWebhook.delete(d.webhook_id);
          else this.perWebhook.set(d.webhook_id, n);
          this.kick(); // a slot is free, and the next delivery of this stream may now be due
        });
      this.inflight.set(d.id, job);
    }
  }

  /** POST one delivery. Null when aborted because the worker stops (the claim is then released). */
  private async post(url: string, body: string, d: Claimed): Promise<Outcome | null> {
    if (this.stopped) {
      await this.release([d.id]);
      return null;
    }
    if (!this.cfg.allowPrivate) {
      const host = literalNonPublicHost(url);
      if (host) {
        this.metrics?.attempt('network_error', 0);
        return { ok: false, status: null, error: `destination ${host} is not a public address (WEBHOOK_ALLOW_PRIVATE=off)` };
      }
    }
    const ac = new AbortController();
    this.aborts.add(ac);
    const started = performance.now();
    const seconds = () => (performance.now() - started) / 1000;
    const timer = setTimeout(() => ac.abort(new Error(`timed out after ${this.cfg.timeoutMs} ms`)), this.cfg.timeoutMs);
    try {
      const res = await request(url, {
        method: 'POST',
        body,
        dispatcher: this.agent,
        signal: ac.signal,
        headers: deliveryHeaders(d.id, d.attempts),
      });
      await res.body.dump({ limit: 64 * 1024 }).catch(() => {});
      const ok = res.statusCode >= 200 && res.statusCode < 300;
      this.metrics?.attempt(ok ? 'success' : 'http_error', seconds());
      return { ok, status: res.statusCode, error: ok ? null : `HTTP ${res.statusCode}` };
    } catch (err) {
      if (this.stopped) {
        await this.release([d.id]);
        return null;
      }
      this.metrics?.attempt('network_error', seconds());
      return { ok: false, status: null, error: errText(ac.signal.aborted ? ac.signal.reason : err) };
    } finally {
      clearTimeout(timer);
      this.aborts.delete(ac);
    }
  }

  /** Give claims back without spending an attempt (beyond a webhook's concurrency, or interrupted by a stop). */
  private async release(ids: string[]): Promise<void> {
    await this.store.db
      .updateTable('webhook_deliveries')
      .set({ lease_owner: null, lease_until: null, attempts: sql<number>`attempts - 1`, updated_at: nowIso() })
      .where('id', 'in', ids)
      .where('lease_owner', '=', this.id)
      .where('status', '=', 'pending')
      .execute();
  }

  /** The attempt's row in the delivery's history (what was answered, when, how fast). */
  private async recordAttempt(d: Claimed, o: Outcome, started: number): Promise<void> {
    await this.store.db
      .insertInto('webhook_delivery_attempts')
      .values({
        id: randomHexId(12),
        delivery_id: d.id,
        license_id: d.license_id,
        attempt: d.attempts,
        started_at: new Date(started).toISOString(),
        duration_ms: Date.now() - started,
        status: o.status,
        error: o.error,
        worker: this.id,
      })
      .execute();
  }

  private async finish(d: Claimed, o: Outcome, forced?: 'cancelled'): Promise<void> {
    const now = Date.now();
    const base = { last_status: o.status, last_error: o.error, lease_until: null, updated_at: new Date(now).toISOString() };
    let set: Partial<WebhookDeliveriesTable>;
    if (forced) set = { ...base, status: forced };
    else if (o.ok) set = { ...base, status: 'delivered', delivered_at: new Date(now).toISOString() };
    else {
      const delay = backoffMs(d.attempts, this.cfg);
      const deadline = Date.parse(d.retried_at ?? d.created_at) + this.cfg.maxAgeMs;
      if (d.attempts >= this.cfg.maxAttempts || now + delay > deadline) {
        set = { ...base, status: 'failed' };
        this.log.warn(
          { delivery_id: d.id, webhook_id: d.webhook_id, attempts: d.attempts, last_status: o.status, error: o.error },
          'webhook delivery failed for good',
        );
      } else {
        set = { ...base, status: 'pending', next_attempt_at: new Date(now + delay).toISOString() };
        this.log.debug({ delivery_id: d.id, webhook_id: d.webhook_id, attempts: d.attempts, error: o.error }, 'webhook delivery will be retried');
        this.wakeIn(delay);
      }
    }
    this.metrics?.finished(set.status === 'pending' ? 'retry' : (set.status as 'delivered' | 'failed' | 'cancelled'), d.attempts);
    await this.store.db
      .updateTable('webhook_deliveries')
      .set(set)
      .where('id', '=', d.id)
      .where('lease_owner', '=', this.id)
      .where('status', '=', 'pending')
      .execute();
  }

  /**
   * Run `write`, again every 250 ms while the database is unavailable (store/health.ts), until `until` (epoch ms: the
   * claim's lease, after which another process may take the delivery over) or the worker stops.
   */
  private async whileUnavailable(until: number, write: () => Promise<void>): Promise<void> {
    for (;;) {
      try {
        return await write();
      } catch (err) {
        if (!classifyDbError(err) || this.stopped || Date.now() + 250 > until) throw err;
        await new Promise((r) => setTimeout(r, 250));
      }
    }
  }

  /** A failure of the worker's own queries: a warning, or a debug line while the database is away (the app logs the outage once). */
  private logFailure(err: unknown, msg: string, extra: Record<string, unknown> = {}): void {
    if (classifyDbError(err)) this.log.debug({ err: errText(err), ...extra }, msg);
    else this.log.warn({ err: errText(err), ...extra }, msg);
  }

  private wakeIn(ms: number): void {
    const at = Date.now() + ms;
    if (this.stopped || at >= this.wakeAt) return;
    clearTimeout(this.wakeTimer);
    this.wakeAt = at;
    this.wakeTimer = setTimeout(() => {
      this.wakeAt = Infinity;
      this.kick();
    }, ms + 1);
    this.wakeTimer.unref();
  }

  private async logStats(): Promise<void> {
    try {
      const counts = await deliveryCounts(this.store);
      this.log.info({ webhook_deliveries: counts, in_flight: this.inflight.size }, 'webhook deliveries by status');
    } catch (err) {
      this.logFailure(err, 'webhook delivery: stats query failed');
    }
  }
}

/** Observations of the delivery worker (metrics): cheap, and never throw. */
export interface DeliveryMetrics {
  /** One POST ended: 2xx, another status, or no answer (network error, time-out, refused destination). */
  attempt(outcome: 'success' | 'http_error' | 'network_error', seconds: number): void;
  /** A delivery left the worker's hands: delivered, failed for good, cancelled, or queued for a retry. */
  finished(status: 'delivered' | 'failed' | 'cancelled' | 'retry', attempts: number): void;
}

/** Pending deliveries (all processes) and the creation time of the oldest one: one query over the status index. */
export async function deliveryQueue(store: Store): Promise<{ depth: number; oldestCreatedAt: string | null }> {
  const row = await store.db
    .selectFrom('webhook_deliveries')
    .select((eb) => [eb.fn.countAll<number>().as('depth'), eb.fn.min('created_at').as('oldest')])
    .where('status', '=', 'pending')
    .executeTakeFirst();
  return { depth: Number(row?.depth ?? 0), oldestCreatedAt: (row?.oldest as string | null | undefined) ?? null };
}

export async function deliveryCounts(store: Store): Promise<Record<string, number>> {
  const rows = await store.db
    .selectFrom('webhook_deliveries')
    .select(['status', (eb) => eb.fn.countAll<number>().as('n')])
    .groupBy('status')
    .execute();
  const counts: Record<string, number> = Object.fromEntries(DELIVERY_STATUSES.map((s) => [s, 0]));
  for (const r of rows) counts[r.status] = Number(r.n);
  return counts;
}

function errText(err: unknown): string {
  const e = err as { code?: string; message?: string };
  return [e?.code, e?.message ?? String(err)].filter(Boolean).join(': ').slice(0, 500);
}

