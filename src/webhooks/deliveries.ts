/**
 * Delivery history for operators and tests: list deliveries with the exact body sent, queue one again. Shared by
 * the control plane (GET /admin/deliveries, POST /admin/deliveries/{id}/resend) and the CLI (`deliveries list`,
 * `deliveries retry`, `deliveries resend`). Secrets (webhooks.secret_key) leave only inside a body, and only when asked.
 */
import { ApiError } from '../kernel/errors.js';
import { nowIso, type Queryable } from '../store/store.js';
import { deliveryBody } from './delivery.js';
import { subscriptionOf } from './outbox.js';
import { DELIVERY_STATUSES, type DeliveryStatus } from './tables.js';
import type { Tx } from '../store/transaction.js';

export interface DeliveryFilter {
  licenseId?: number;
  webhookId?: string;
  status?: DeliveryStatus;
  action?: string;
  /** Default 100. */
  limit?: number;
  /** Include the body sent (it holds the webhook's secret key; the CLI leaves it out). Default true. */
  includeBody?: boolean;
}

export interface DeliveryView {
  id: string;
  webhook_id: string;
  /** Null once the webhook was unregistered. */
  url: string | null;
  license_id: number;
  event_id: string;
  action: string;
  status: string;
  attempts: number;
  /** The JSON body POSTed (null once the webhook was unregistered: its secret is gone). */
  body: unknown;
  last_status: number | null;
  last_error: string | null;
  /** The server holding the delivery's claim, if any. */
  lease_owner: string | null;
  created_at: string;
  next_attempt_at: string;
  retried_at: string | null;
  delivered_at: string | null;
  updated_at: string;
}

/** Deliveries, newest first. */
export async function listDeliveries(db: Queryable, f: DeliveryFilter = {}): Promise<DeliveryView[]> {
  if (f.status !== undefined && !(DELIVERY_STATUSES as readonly string[]).includes(f.status)) {
    throw new ApiError('validation', `status must be one of ${DELIVERY_STATUSES.join(', ')}`);
  }
  let q = db
    .selectFrom('webhook_deliveries as d')
    .innerJoin('webhook_events as e', 'e.id', 'd.event_id')
    .leftJoin('webhooks as w', 'w.id', 'd.webhook_id')
    .select([
      'd.id', 'd.webhook_id', 'w.url', 'w.secret_key', 'd.license_id', 'd.event_id', 'e.action', 'e.organization_id',
      'e.payload', 'd.status', 'd.attempts', 'd.last_status', 'd.last_error', 'd.lease_owner', 'd.created_at', 'd.next_attempt_at',
      'd.retried_at', 'd.delivered_at', 'd.updated_at',
    ])
    .orderBy('d.created_at', 'desc')
    .orderBy('d.event_seq', 'desc')
    .orderBy('d.id')
    .limit(f.limit ?? 100);
  if (f.licenseId !== undefined) q = q.where('d.license_id', '=', f.licenseId);
  if (f.webhookId !== undefined) q = q.where('d.webhook_id', '=', f.webhookId);
  if (f.status !== undefined) q = q.where('d.status', '=', f.status);
  if (f.action !== undefined) q = q.where('e.action', '=', f.action);
  const rows = await q.execute();
  return rows.map((r) => ({
    id: r.id,
    webhook_id: r.webhook_id,
    url: r.url,
    license_id: r.license_id,
    event_id: r.event_id,
    action: r.action,
    status: r.status,
    attempts: r.attempts,
    body: f.includeBody === false || r.url === null || r.secret_key === null ? null : JSON.parse(deliveryBody({ id: r.webhook_id, secret_key: r.secret_key }, r)),
    last_status: r.last_status,
    last_error: r.last_error,
    lease_owner: r.lease_owner,
    created_at: r.created_at,
    next_attempt_at: r.next_attempt_at,
    retried_at: r.retried_at,
    delivered_at: r.delivered_at,
    updated_at: r.updated_at,
  }));
}

/**
 * Queue a delivery again, whatever its status (delivered, failed, cancelled, or pending: due now): attempts start
 * over and the retry window restarts. Its webhook must still be registered. Run it in a `core.transaction`: the
 * commit wakes the delivery worker (`deliveries-queued`).
 */
export async function resendDelivery(tx: Tx, id: string): Promise<{ id: string; status: 'pending'; previous_status: string }> {
  const row = await tx.db.selectFrom('webhook_deliveries').select(['id', 'status', 'webhook_id']).where('id', '=', id).executeTakeFirst();
  if (!row) throw new ApiError('not_found', `Delivery ${id} not found`);
  const hook = await tx.db.selectFrom('webhooks').select('id').where('id', '=', row.webhook_id).executeTakeFirst();
  if (!hook) throw new ApiError('validation', `The webhook of delivery ${id} was unregistered`);
  const now = nowIso();
  if (row.status === 'pending') {
    // Already queued: due now. A claim in progress keeps its lease (its outcome decides what happens next).
    await tx.db.updateTable('webhook_deliveries').set({ next_attempt_at: now, updated_at: now }).where('id', '=', id).execute();
    tx.signal('deliveries-queued');
    return { id, status: 'pending' as const, previous_status: row.status };
  }
  await tx.db
    .updateTable('webhook_deliveries')
    .set({
      status: 'pending',
      attempts: 0,
      next_attempt_at: now,
      retried_at: now,
      delivered_at: null,
      lease_owner: null,
      lease_until: null,
      updated_at: now,
    })
    .where('id', '=', id)
    .execute();
  tx.signal('deliveries-queued');
  return { id, status: 'pending' as const, previous_status: row.status };
}

/**
 * Queue a `failed` delivery again with a fresh attempt count and time budget. Same rules as new events: the webhook
 * must still be registered, its application installed on the licence and the licence's webhooks enabled. The
 * commit wakes the delivery worker (`deliveries-queued`).
 */
export async function retryFailedDelivery(tx: Tx, id: string): Promise<{ id: string; status: 'pending' }> {
  const row = await tx.db.selectFrom('webhook_deliveries').select(['id', 'status', 'webhook_id', 'license_id']).where('id', '=', id).executeTakeFirst();
  if (!row) throw new ApiError('not_found', `Delivery ${id} not found`);
  if (row.status !== 'failed') {
    throw new ApiError('validation', `Only failed deliveries can be retried; ${id} is ${row.status}`);
  }
  const hook = await tx.db.selectFrom('webhooks').select(['id', 'owner_client_id']).where('id', '=', row.webhook_id).executeTakeFirst();
  if (!hook) throw new ApiError('validation', `The webhook of delivery ${id} was unregistered`);
  const subscription = await subscriptionOf(tx.db, hook.owner_client_id, row.license_id);
  if (subscription === 'not_installed') throw new ApiError('validation', `The application is no longer installed on licence ${row.license_id}`);
  if (subscription === 'disabled') {
    throw new ApiError('validation', `Licence ${row.license_id} has its webhooks disabled for this application; enable them first`);
  }
  const now = nowIso();
  await tx.db
    .updateTable('webhook_deliveries')
    .set({ status: 'pending', attempts: 0, next_attempt_at: now, retried_at: now, lease_owner: null, lease_until: null, updated_at: now })
    .where('id', '=', id)
    .where('status', '=', 'failed')
    .execute();
  tx.signal('deliveries-queued');
  return { id, status: 'pending' as const };
}
