/**
 * v3.4 (deprecated) as changes relative to v3.5 (versions/v3.4/configuration-api.mdx and the changelog). So far the
 * methods v3.5 added are removed, and the rest is served with v3.5's shapes; v3.4's own shapes (work_scheduler,
 * bots' timezone, answers without account_id, get_license_id, …) are added here as further changes.
 */
import { changeOf, withProperties, type VersionChanges } from '../kernel/versions.js';
import { registerWebhook, webhookActionSchema } from '../webhooks/actions.js';
import { webhookActionsWith } from '../webhooks/catalog.js';
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
