/**
 * Webhook delivery worker: sends the deliveries queued by the outbox (outbox.ts) to the webhooks' URLs.
 *
 * - At least once: a delivery is claimed with a lease (claims.ts), POSTed with a time-out (sender.ts); 2xx marks it
 *   delivered, anything else is retried with exponential backoff and jitter until the attempt or time budget runs
 *   out, then it is marked failed. Everything lives in the database, so a restart resumes where it stopped, and
 *   a crashed process's claims are taken over when their lease expires.
 * - Several processes share the queue (each claim goes to exactly one process) and one webhook receives one
 *   licence's events in event order (see claims.ts).
 * - Isolation: sending happens outside API requests, with bounded concurrency overall and per webhook.
 * This module holds the loop: when to claim (commit signals, a poll timer, retry wake-ups), the concurrency
 * bookkeeping, what an outcome means for the delivery, the pruning and statistics timers, and the graceful stop.
 */
import { hostname } from 'node:os';
import type { Logger } from '../kernel/registry.js';
import { randomHexId } from '../kernel/crypto.js';
import type { DeliveryConfig } from '../config.js';
import type { Store } from '../store/store.js';
import { classifyDbError } from '../store/health.js';
import type { WebhookDeliveriesTable } from './tables.js';
import { claimDue, releaseClaims, releaseOrphanClaims, sendingData, settleClaim, type AttemptRecord, type Claimed } from './claims.js';
import { deliveryBody, deliveryHeaders } from './envelope.js';
import { WebhookSender, errorText, type Outcome } from './sender.js';
import { pruneWebhookHistory } from './retention.js';
import { deliveryCounts, type DeliveryMetrics } from './delivery-stats.js';

export type { DeliveryConfig };

/** Exponential backoff with "equal jitter": half the step fixed, half random. */
export function backoffMs(attempt: number, cfg: Pick<DeliveryConfig, 'retryBaseMs' | 'retryMaxMs'>): number {
  const step = Math.min(cfg.retryMaxMs, cfg.retryBaseMs * 2 ** Math.min(30, Math.max(0, attempt - 1)));
  return Math.round(step / 2 + Math.random() * (step / 2));
}

/** Time kept before a shutdown deadline to abort the remaining sends and release their claims. */
const STOP_MARGIN_MS = 500;

export class DeliveryWorker {
  readonly id = `${hostname()}:${process.pid}:${randomHexId(4)}`;
  private readonly inflight = new Map<string, Promise<void>>();
  private readonly perWebhook = new Map<string, number>();
  private readonly sender: WebhookSender;
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
    this.sender = new WebhookSender(cfg, metrics);
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
    const released = await releaseOrphanClaims(this.store.db, this.id, [...this.inflight.keys()]);
    if (released > 0) this.log.info({ released }, 'webhook delivery: released claims whose answer the outage lost');
  }

  /**
   * Stop claiming. With a `deadline` (epoch ms, set by a graceful shutdown), sends already under way may finish
   * until shortly before it; whatever is still in flight then is aborted and its claim released (no attempt spent).
   */
  async stop(opts: { deadline?: number | null } = {}): Promise<void> {
    this.stopped = true;
    this.sender.stop();
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
    this.sender.abort(new Error('worker stopping'));
    while (this.passing || this.inflight.size) {
      await Promise.allSettled([...this.inflight.values()]);
      if (this.passing) await new Promise((r) => setTimeout(r, 5));
    }
    await this.sender.close();
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
    const busyWebhooks = [...this.perWebhook].filter(([, n]) => n >= this.cfg.perWebhookConcurrency).map(([id]) => id);
    const claimed = await claimDue(this.store.db, this.store.dialect, { worker: this.id, limit, busyWebhooks, leaseMs: this.cfg.leaseMs });
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
    if (extra.length) await releaseClaims(this.store.db, this.id, extra);
    return keep;
  }

  /** Load the claimed deliveries' webhooks and events and start sending. */
  private async dispatch(claimed: Claimed[]): Promise<void> {
    const { webhooks, events } = await sendingData(this.store.db, claimed);
    for (const d of claimed) {
      const w = webhooks.get(d.webhook_id);
      const ev = events.get(d.event_id);
      this.perWebhook.set(d.webhook_id, (this.perWebhook.get(d.webhook_id) ?? 0) + 1);
      const job = (async () => {
        if (!w || !ev) {
          await this.finish(d, { ok: false, status: null, error: 'webhook unregistered' }, { forced: 'cancelled' });
          return;
        }
        const started = Date.now();
        const outcome = await this.sender.post(w.url, deliveryBody(w, ev), deliveryHeaders(d.id, d.attempts));
        if (outcome === null) {
          await releaseClaims(this.store.db, this.id, [d]); // stopping: no attempt spent
          return;
        }
        // The POST happened: record it (with the outcome, in one write) even if the database is away for a moment
        // (else it is sent again).
        await this.finish(d, outcome, { sent: { status: outcome.status, error: outcome.error, started, durationMs: Date.now() - started } });
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

  /**
   * What the outcome means for the delivery (delivered, retried later, failed for good), written while claimed, with
   * the attempt's history row when one was `sent`; that write is then tried again while the database is unavailable,
   * until the claim's lease ends.
   */
  private async finish(d: Claimed, o: Outcome, opts: { forced?: 'cancelled'; sent?: AttemptRecord }): Promise<void> {
    const { forced, sent } = opts;
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
    const write = () => settleClaim(this.store.db, this.store.dialect, this.id, d, set, sent);
    await (sent ? this.whileUnavailable(sent.started + this.cfg.leaseMs, write) : write());
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
    if (classifyDbError(err)) this.log.debug({ err: errorText(err), ...extra }, msg);
    else this.log.warn({ err: errorText(err), ...extra }, msg);
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
