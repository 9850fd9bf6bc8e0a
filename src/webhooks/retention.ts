/**
 * Retention of webhook history: delivered and cancelled deliveries older than the retention period are deleted, and
 * so are events no delivery refers to any more. Pending and failed deliveries (and their events) are kept: they are
 * work to do or for an operator to retry.
 */
import type { Queryable } from '../store/store.js';

export async function pruneWebhookHistory(db: Queryable, before: string): Promise<{ deliveries: number; events: number }> {
  const d = await db
    .deleteFrom('webhook_deliveries')
    .where('status', 'in', ['delivered', 'cancelled'])
    .where('updated_at', '<', before)
    .executeTakeFirst();
  // Attempts of the deliveries deleted here, and any an attempt recorded after its delivery was deleted left behind
  // (a licence reset, which deletes deliveries with their attempts, racing the worker).
  await db
    .deleteFrom('webhook_delivery_attempts')
    .where((eb) =>
      eb.not(
        eb.exists(eb.selectFrom('webhook_deliveries as x').select('x.id').whereRef('x.id', '=', 'webhook_delivery_attempts.delivery_id')),
      ),
    )
    .execute();
  const e = await db
    .deleteFrom('webhook_events')
    .where('created_at', '<', before)
    .where((eb) =>
      eb.not(
        eb.exists(eb.selectFrom('webhook_deliveries as x').select('x.id').whereRef('x.event_id', '=', 'webhook_events.id')),
      ),
    )
    .executeTakeFirst();
  return { deliveries: Number(d.numDeletedRows), events: Number(e.numDeletedRows) };
}
