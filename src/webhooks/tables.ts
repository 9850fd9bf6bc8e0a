/**
 * Table types of the webhooks area (migrations 0001, 0005, 0011, 0017). The webhooks folder as a whole owns these tables
 * (docs/architecture.md): the outbox (outbox.ts) writes events and deliveries, the delivery worker claims and settles
 * them (worker.ts through claims.ts), retention.ts prunes them, the registry (actions.ts) and the operator views and
 * redeliveries (delivery-views.ts, redelivery.ts, delivery-stats.ts) read and queue them, joining several of them in
 * one statement. Outside webhooks/ only the licence snapshots (provisioning/snapshots.ts) touch them: reset and
 * restore clear a licence's events, deliveries and attempts, and snapshots copy its webhooks and licence states, as
 * they do every configuration table.
 */
import type {} from '../store/schema.js';

/** Transactional outbox: one row per configuration event, written in the transaction of the change. */
export interface WebhookEventsTable {
  id: string;
  seq: number;
  license_id: number;
  organization_id: string;
  action: string;
  payload: string;
  source_client_id: string | null;
  /**
   * JSON `{user_id, client_id?, account_id}` of the caller whose action caused the event, on the events made for
   * versions whose deliveries carry it (formats.ts); null otherwise.
   */
  requester: string | null;
  created_at: string;
}

export interface WebhooksTable {
  id: string;
  organization_id: string;
  owner_client_id: string;
  action: string;
  /** 'license' | 'bot' */
  type: string;
  url: string;
  /** Sent back in every delivery (the receiver verifies it), so it is kept as given; never logged or listed. */
  secret_key: string;
  description: string | null;
  /** JSON */
  filters: string | null;
  /** JSON array */
  additional_data: string | null;
  /** The API version it was registered through (`3.6`): its deliveries have that version's format (formats.ts). */
  version: string;
  created_at: string;
}

/** Per (licence, client id); no row = enabled (webhooks are enabled automatically on installation). */
export interface WebhookLicenseStatesTable {
  license_id: number;
  client_id: string;
  enabled: number;
  updated_at: string;
}

export const DELIVERY_STATUSES = ['pending', 'delivered', 'failed', 'cancelled'] as const;
export type DeliveryStatus = (typeof DELIVERY_STATUSES)[number];

/** One event for one webhook. Deliveries of one (webhook, licence) stream go out in event order. */
export interface WebhookDeliveriesTable {
  id: string;
  webhook_id: string;
  event_id: string;
  license_id: number;
  event_seq: number;
  status: string;
  /** Claims so far (incremented when a process claims the delivery). */
  attempts: number;
  next_attempt_at: string;
  /** The process that claimed it last, and until when the claim holds. */
  lease_owner: string | null;
  lease_until: string | null;
  last_error: string | null;
  last_status: number | null;
  created_at: string;
  /** Set by `config-api deliveries retry`: the retry window restarts here. */
  retried_at: string | null;
  updated_at: string;
  delivered_at: string | null;
}

/** One POST of a delivery (migration 0011). */
export interface WebhookDeliveryAttemptsTable {
  id: string;
  delivery_id: string;
  license_id: number;
  /** The delivery's attempt counter when this POST was made (restarts at 1 after a resend). */
  attempt: number;
  started_at: string;
  duration_ms: number;
  status: number | null;
  error: string | null;
  /** The process that sent it. */
  worker: string;
}

declare module '../store/schema.js' {
  interface Database {
    webhook_events: WebhookEventsTable;
    webhook_delivery_attempts: WebhookDeliveryAttemptsTable;
    webhooks: WebhooksTable;
    webhook_license_states: WebhookLicenseStatesTable;
    webhook_deliveries: WebhookDeliveriesTable;
  }
}
