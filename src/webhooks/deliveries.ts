/**
 * Operator queries over webhook deliveries (`config-api deliveries list|retry`): list with filters, and queue a
 * failed delivery again. Secrets (webhooks.secret_key) are never selected.
 */
import { ApiError } from '../kernel/errors.js';
import { nowIso, type Store } from '../store/db.js';
import { deliveryCounts } from './delivery.js';
import type { DeliveryStatus } from './tables.js';

export interface DeliveryFilter {
  status?: DeliveryStatus;
  webhookId?: string;
  licenseId?: number;
  limit: number;
}

/** Deliveries newest first (with their event's action and their webhook's url) and the counts by status. */
export async function listDeliveries(store: Store, f: DeliveryFilter) {
  let q = store.db
    .selectFrom('webhook_deliveries as d')
    .innerJoin('webhook_events as e', 'e.id', 'd.event_id')
    .leftJoin('webhooks as w', 'w.id', 'd.webhook_id')
    .select([
      'd.id', 'd.webhook_id', 'w.url', 'd.event_id', 'e.action', 'd.license_id', 'd.status', 'd.attempts',
      'd.next_attempt_at', 'd.last_status', 'd.last_error', 'd.lease_owner', 'd.created_at', 'd.retried_at',
      'd.delivered_at',
    ])
    .orderBy('d.created_at', 'desc')
    .orderBy('d.event_seq', 'desc')
    .limit(f.limit);
  if (f.status) q = q.where('d.status', '=', f.status);
  if (f.webhookId) q = q.where('d.webhook_id', '=', f.webhookId);
  if (f.licenseId !== undefined) q = q.where('d.license_id', '=', f.licenseId);
  return { deliveries: await q.execute(), counts: await deliveryCounts(store) };
}

/**
 * Queue a `failed` delivery again with a fresh attempt count and time budget. Same rules as new events: the webhook
 * must still be registered, its application installed on the licence and the licence's webhooks enabled.
 */
export async function retryFailedDelivery(store: Store, id: string): Promise<{ id: string; status: 'pending' }> {
  return store.db.transaction().execute(async (trx) => {
    const row = await trx.selectFrom('webhook_deliveries').select(['id', 'status', 'webhook_id', 'license_id']).where('id', '=', id).executeTakeFirst();
    if (!row) throw new ApiError('not_found', `Delivery ${id} not found`);
    if (row.status !== 'failed') {
      throw new ApiError('validation', `Only failed deliveries can be retried; ${id} is ${row.status}`);
    }
    const hook = await trx.selectFrom('webhooks').select(['id', 'owner_client_id']).where('id', '=', row.webhook_id).executeTakeFirst();
    if (!hook) throw new ApiError('validation', `The webhook of delivery ${id} was unregistered`);
    const installed = await trx
      .selectFrom('installations as i')
      .leftJoin('webhook_license_states as s', (j) =>
        j.onRef('s.client_id', '=', 'i.client_id').onRef('s.license_id', '=', 'i.license_id'),
      )
      .select('s.enabled')
      .where('i.client_id', '=', hook.owner_client_id)
      .where('i.license_id', '=', row.license_id)
      .executeTakeFirst();
    if (!installed) throw new ApiError('validation', `The application is no longer installed on licence ${row.license_id}`);
    if (installed.enabled === 0) {
      throw new ApiError('validation', `Licence ${row.license_id} has its webhooks disabled for this application; enable them first`);
    }
    const now = nowIso();
    await trx
      .updateTable('webhook_deliveries')
      .set({ status: 'pending', attempts: 0, next_attempt_at: now, retried_at: now, lease_owner: null, lease_until: null, updated_at: now })
      .where('id', '=', id)
      .where('status', '=', 'failed')
      .execute();
    return { id, status: 'pending' as const };
  });
}
