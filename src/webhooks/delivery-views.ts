/**
 * Read-only views of webhook deliveries for operators and tests: filtered lists with the exact body sent (GET
 * /admin/deliveries, the console, `config-api deliveries list`), changes since a time (the console's live view), and
 * one delivery with the exact body and headers its attempts send and the history of its attempts. Secrets
 * (webhooks.secret_key) leave only inside a body, and only when asked. Queuing deliveries again: redelivery.ts.
 */
import { ApiError } from '../kernel/errors.js';
import type { Queryable } from '../store/store.js';
import { deliveryBody, deliveryHeaders } from './envelope.js';
import { DELIVERY_STATUSES, type DeliveryStatus } from './tables.js';

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
      'e.payload', 'e.requester', 'd.status', 'd.attempts', 'd.last_status', 'd.last_error', 'd.lease_owner', 'd.created_at', 'd.next_attempt_at',
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
 * (Filtered lists: `listDeliveries`.)
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
    .select(['w.secret_key', 'e.organization_id', 'e.payload', 'e.requester'])
    .where('d.id', '=', id)
    .executeTakeFirst();
  if (!row) return undefined;
  const { secret_key, organization_id, payload, requester, ...rest } = row;
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
    body: sendable ? deliveryBody({ id: rest.webhook_id, secret_key }, { action: rest.action, organization_id, payload, requester }) : null,
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
