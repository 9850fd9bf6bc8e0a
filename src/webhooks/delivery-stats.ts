/**
 * What is known about webhook deliveries for metrics and logs: the worker's observations (`DeliveryMetrics`, fed by
 * worker.ts and sender.ts), the pending queue, and counts by status.
 */
import type { Store } from '../store/store.js';
import { DELIVERY_STATUSES } from './tables.js';

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

/** Deliveries by status (every status present, 0 when none). */
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
