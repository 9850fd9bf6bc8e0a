/**
 * The per-version webhook format seam (issue 22: "a webhook is delivered in the format of the version it was
 * registered through"). The areas record every configuration event once, in v3.5's terms (`recordEvent`, outbox.ts:
 * the base action and its contract payload, catalog.ts); a webhook remembers the version it was registered through
 * (`webhooks.version`), and the outbox asks that version's `WebhookFormat` what the event is in that version:
 *
 * - `events(action, payload)`: the version's events for one base event: the same one (v3.5, v3.6), none (a v3.4
 *   webhook never hears of tags), several (v3.4 splits `auto_accesses_updated` into `auto_access_added`, `_updated`,
 *   `_deleted`, one per changed rule), or a payload of another shape (v3.4's agents and bots: its own work_scheduler);
 *   a webhook receives those of its version whose action is its own;
 * - `requester`: whether the version's deliveries carry `requester` `{user_id, client_id, account_id}` of the caller
 *   whose action caused the event (v3.6).
 *
 * The webhooks area knows no version: the formats are built by src/versions/ (each version module's `webhooks`
 * change, relative to its neighbour's format, composed by `buildWebhookFormats` there) and handed to every
 * transaction through the app's transaction settings (`tx.settings.webhookFormats`, set by the core). A webhook
 * whose version has no format (none handed over, e.g. transactions no core runs) gets the base format: v3.5's.
 */
import type { ConfigurationAction } from './catalog.js';

/** One event as a version delivers it: its action (that version's name) and its payload. */
export interface VersionEvent {
  action: string;
  payload: unknown;
}

/** How one version's webhooks see the configuration events. */
export interface WebhookFormat {
  /**
   * The version's events for one base (v3.5) event, `payload` being its contract payload (catalog.ts
   * `contractPayload`, already a fresh object per event: return it or new objects, never change it in place).
   */
  events(action: ConfigurationAction, payload: unknown): readonly VersionEvent[];
  /** Deliveries carry `requester` (after `payload`, as the v3.6 samples show it). */
  requester: boolean;
}

/** v3.5's format: every event as recorded, no `requester`. Byte for byte what this server has always sent. */
export const BASE_WEBHOOK_FORMAT: WebhookFormat = {
  events: (action, payload) => [{ action, payload }],
  requester: false,
};

/** A version's format as changes relative to its neighbour's (a version module's `webhooks`, src/versions/). */
export type WebhookFormatChange = (neighbour: WebhookFormat) => Partial<WebhookFormat>;

/** Every version's format, keyed by version (`3.6`). */
export type WebhookFormats = ReadonlyMap<string, WebhookFormat>;

declare module '../store/transaction.js' {
  interface TxSettings {
    /** The served versions' webhook formats (webhooks/formats.ts); absent: every webhook gets v3.5's. */
    webhookFormats?: WebhookFormats;
  }
}

/** The format of webhooks registered through `version` (the base format when the version has none). */
export function formatOf(formats: WebhookFormats | undefined, version: string): WebhookFormat {
  return formats?.get(version) ?? BASE_WEBHOOK_FORMAT;
}

/** Who caused an event, as `requester` shows it (omitting `client_id` for PATs and tools, which have none). */
export interface Requester {
  user_id: string;
  client_id?: string;
  account_id: string;
}
