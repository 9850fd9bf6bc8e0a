/**
 * Read-only views of webhook deliveries for the console: changes since a time (for live views), and one delivery with
 * the exact body and headers its attempts send and the history of its attempts.
 */
import type { Queryable } from '../store/store.js';
import { deliveryBody, deliveryHeaders } from './delivery.js';

export interface DeliverySummary {
  id: string;
  webhook_id: string;
  url: string | null;
  owner_client_id: string | null;
  action: string;
  license_id: number;
  event_id: string;
  status: string;
  attempts: number;
  last_status: number | null;
  last_error: string | null;
  next_attempt_at: string;
  created_at: string;
  updated_at: string;
  retried_at: string | null;
  delivered_at: string | null;
}

function summaries(db: Queryable) {
  return db
    .selectFrom('webhook_deliveries as d')
    .innerJoin('webhook_events as e', 'e.id', 'd.event_id')
    .leftJoin('webhooks as w', 'w.id', 'd.webhook_id')
    .select([
      'd.id', 'd.webhook_id', 'w.url', 'w.owner_client_id', 'e.action', 'd.license_id', 'd.event_id', 'd.status',
      'd.attempts', 'd.last_status', 'd.last_error', 'd.next_attempt_at', 'd.created_at', 'd.updated_at',
      'd.retried_at', 'd.delivered_at',
    ]);
}

/**
 * Deliveries of a licence changed at or after `since` (RFC 3339), oldest change first: what a live view polls for.
 * (Filtered lists: `listDeliveries` in deliveries.ts.)
 */
export async function deliveriesChangedSince(db: Queryable, licenseId: number, since: string, limit = 500): Promise<DeliverySummary[]> {
  const rows = await summaries(db)
    .where('d.license_id', '=', licenseId)
    .where('d.updated_at', '>=', since)
    .orderBy('d.updated_at')
    .orderBy('d.id')
    .limit(limit)
    .execute();
  return rows.map((r) => ({ ...r, attempts: Number(r.attempts), license_id: Number(r.license_id) }));
}

export interface DeliveryDetail extends DeliverySummary {
  /** The exact body every attempt POSTs (null when the webhook was unregistered: nothing is sent any more). */
  body: string | null;
  /** The headers of the latest attempt (null when nothing can be sent). */
  headers: Record<string, string> | null;
  /** Every POST made for it, oldest first. */
  attempt_log: Array<{ attempt: number; at: string; duration_ms: number; status: number | null; error: string | null }>;
}

export async function getDelivery(db: Queryable, id: string): Promise<DeliveryDetail | undefined> {
  const row = await summaries(db)
    .select(['w.secret_key', 'e.organization_id', 'e.payload'])
    .where('d.id', '=', id)
    .executeTakeFirst();
  if (!row) return undefined;
  const { secret_key, organization_id, payload, ...rest } = row;
  const sendable = secret_key !== null;
  const attempts = await db
    .selectFrom('webhook_delivery_attempts')
    .select(['attempt', 'started_at', 'duration_ms', 'status', 'error'])
    .where('delivery_id', '=', id)
    .orderBy('started_at')
    .orderBy('id')
    .execute();
  return {
    ...rest,
    attempts: Number(rest.attempts),
    license_id: Number(rest.license_id),
    body: sendable ? deliveryBody({ id: rest.webhook_id, secret_key }, { action: rest.action, organization_id, payload }) : null,
    headers: sendable ? deliveryHeaders(rest.id, Math.max(1, Number(rest.attempts))) : null,
    attempt_log: attempts.map((a) => ({
      attempt: Number(a.attempt),
      at: a.started_at,
      duration_ms: Number(a.duration_ms),
      status: a.status === null ? null : Number(a.status),
      error: a.error,
    })),
  };
}
