/**
 * The HTTP side of webhook delivery: POSTs a delivery's body with a time-out through one keep-alive connection pool
 * (undici), refusing non-public destinations unless WEBHOOK_ALLOW_PRIVATE (egress.ts). A stop makes the POSTs under
 * way and those asked for after it end without an outcome, so their claims can be released without an attempt spent.
 */
import { Agent, request } from 'undici';
import type { DeliveryConfig } from '../config.js';
import { literalNonPublicHost, publicOnlyLookup } from './egress.js';
import type { DeliveryMetrics } from './delivery-stats.js';

/** What one POST came to. */
export interface Outcome {
  ok: boolean;
  status: number | null;
  error: string | null;
}

export class WebhookSender {
  private readonly agent: Agent;
  private readonly aborts = new Set<AbortController>();
  private stopped = false;

  constructor(
    private readonly cfg: Pick<DeliveryConfig, 'timeoutMs' | 'allowPrivate'>,
    private readonly metrics?: DeliveryMetrics,
  ) {
    this.agent = new Agent({
      keepAliveTimeout: 4_000,
      connect: { timeout: cfg.timeoutMs, ...(cfg.allowPrivate ? {} : { lookup: publicOnlyLookup }) },
    });
  }

  /** POST `body` to `url`. Null when the sender is stopping (before the POST, or a POST that failed meanwhile). */
  async post(url: string, body: string, headers: Record<string, string>): Promise<Outcome | null> {
    if (this.stopped) return null;
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
      const res = await request(url, { method: 'POST', body, dispatcher: this.agent, signal: ac.signal, headers });
      await res.body.dump({ limit: 64 * 1024 }).catch(() => {});
      const ok = res.statusCode >= 200 && res.statusCode < 300;
      this.metrics?.attempt(ok ? 'success' : 'http_error', seconds());
      return { ok, status: res.statusCode, error: ok ? null : `HTTP ${res.statusCode}` };
    } catch (err) {
      if (this.stopped) return null;
      this.metrics?.attempt('network_error', seconds());
      return { ok: false, status: null, error: errorText(ac.signal.aborted ? ac.signal.reason : err) };
    } finally {
      clearTimeout(timer);
      this.aborts.delete(ac);
    }
  }

  /** No new POSTs; those under way may still finish (see `abort`). */
  stop(): void {
    this.stopped = true;
  }

  /** Abort the POSTs under way. */
  abort(reason: Error): void {
    for (const ac of this.aborts) ac.abort(reason);
  }

  /** Close the connection pool. */
  close(): Promise<void> {
    return this.agent.destroy();
  }
}

/** An error as one line for logs and the delivery's `last_error` (code and message, at most 500 characters). */
export function errorText(err: unknown): string {
  const e = err as { code?: string; message?: string };
  return [e?.code, e?.message ?? String(err)].filter(Boolean).join(': ').slice(0, 500);
}
