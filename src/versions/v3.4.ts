/**
 * v3.4 (deprecated) as changes relative to v3.5 (versions/v3.4/configuration-api.mdx and the changelog). So far the
 * methods v3.5 added are removed, and the rest is served with v3.5's shapes; v3.4's own shapes (work_scheduler,
 * bots' timezone, answers without account_id, get_license_id, …) are added here as further changes.
 */
import { changeOf, withProperties, type VersionChanges } from '../kernel/versions.js';
import { registerWebhook, webhookActionSchema } from '../webhooks/actions.js';
import { webhookActionsWith } from '../webhooks/catalog.js';
import type { VersionEvent, WebhookFormatChange } from '../webhooks/formats.js';
import { listLicenseProperties } from '../properties/value-actions.js';

export const v34: VersionChanges = {
  version: '3.4',
  neighbour: '3.5',
  summary: [
    'No batch endpoints.',
    'Lacks the methods v3.5 added: bot templates and bot tokens (create_bot_template, update_bot_template, ' +
      'delete_bot_template, list_bot_templates, reset_bot_template_secret, issue_bot_token, reset_bot_secret), tags ' +
      '(create_tag, update_tag, delete_tag, list_tags), list_groups_properties, list_channels, check_product_limits_for_plan, ' +
      'get_product_source.',
    'register_webhook and list_webhook_names: the v3.4 triggering actions (`auto_access_added`, `auto_access_updated`, ' +
      '`auto_access_deleted` instead of `auto_accesses_updated`; no tag actions).',
    'list_license_properties is also served by GET with the parameters in the query string (the JS SDK calls it so).',
    'Webhooks registered through v3.4 receive a change of auto access rules as one `auto_access_added`, ' +
      '`auto_access_updated` or `auto_access_deleted` per rule (the rule without `status`), and no tag events.',
  ],
  batches: false,
  removed: [
    'create_bot_template', 'update_bot_template', 'delete_bot_template', 'list_bot_templates', 'reset_bot_template_secret',
    'issue_bot_token', 'reset_bot_secret',
    'create_tag', 'update_tag', 'delete_tag', 'list_tags',
    'list_groups_properties', 'list_channels', 'check_product_limits_for_plan', 'get_product_source',
  ],
  actions: [
    changeOf(registerWebhook, { request: (s, rules) => withProperties(s, { action: webhookActionSchema(rules.webhookActions) }) }),
    changeOf(listLicenseProperties, { get: true }),
  ],
  rules: (v35) => ({
    webhookActions: webhookActionsWith(v35.webhookActions, {
      add: ['auto_access_added', 'auto_access_updated', 'auto_access_deleted'],
      remove: ['auto_accesses_updated', 'tag_created', 'tag_deleted', 'tag_updated'],
    }),
  }),
};

/** v3.5's `auto_accesses_updated` items (each with a `status`) → v3.4's event per rule. */
const AUTO_ACCESS_EVENTS: Record<string, string> = { added: 'auto_access_added', updated: 'auto_access_updated', deleted: 'auto_access_deleted' };

function autoAccessEvents(items: unknown): VersionEvent[] {
  if (!Array.isArray(items)) return [];
  return items.flatMap((item: Record<string, unknown>) => {
    const action = AUTO_ACCESS_EVENTS[String(item.status)];
    if (!action) return [];
    const { status: _status, ...rule } = item;
    return [{ action, payload: rule }];
  });
}

/** v3.5 tag events, which v3.4 has not. */
const NO_TAG_EVENTS = new Set(['tag_created', 'tag_updated', 'tag_deleted']);

/**
 * Webhooks registered through v3.4 (versions/v3.4/webhooks.mdx), from v3.5's format: auto access changes one event per
 * rule, no tag events. The v3.4 shapes of agents' and bots' payloads (work_scheduler, bots' timezone) go here too: map
 * the events `v35.events(…)` gives (a fresh payload per call) to v3.4's.
 */
export const v34Webhooks: WebhookFormatChange = (v35) => ({
  events: (action, payload) =>
    NO_TAG_EVENTS.has(action)
      ? []
      : v35.events(action, payload).flatMap((e) => (e.action === 'auto_accesses_updated' ? autoAccessEvents(e.payload) : [e])),
});
