/**
 * Queuing deliveries again, for operators: any delivery (`resendDelivery`: POST /admin/deliveries/{id}/resend, the
 * console, `config-api deliveries resend`) or a failed one under the rules of new events (`retryFailedDelivery`:
 * `config-api deliveries retry`). Each runs in the caller's transaction, whose commit wakes the delivery worker.
 */
import { ApiError } from '../kernel/errors.js';
import { nowIso } from '../store/store.js';
import type { Tx } from '../store/transaction.js';
import { subscriptionOf } from './outbox.js';

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
