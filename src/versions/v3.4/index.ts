/**
 * v3.4 (deprecated) as changes relative to v3.5 (versions/v3.4/configuration-api.mdx and the changelog's `[v3.5]`
 * section, which lists what v3.5 changed): the methods v3.5 added are removed, v3.4's own methods added, and v3.4's
 * shapes translated to and from the base's: work schedules and agent answers (agents.ts), properties (properties.ts),
 * the `owner_client_id` rule and the triggering actions of webhooks (below), and the webhooks' format (webhooks.ts).
 */
import { changeOf, withProperties, type VersionChanges } from '../../kernel/versions.js';
import { registerWebhook, webhookActionSchema } from '../../webhooks/actions.js';
import { webhookActionsWith } from '../../webhooks/catalog.js';
import { getLicenseId, getOrganizationId } from '../../other/ids.js';
import { V34_AREAS } from '../../areas-v34.js';
import { agentChanges } from './agents.js';
import { propertyChanges } from './properties.js';

export { v34Webhooks } from './webhooks.js';

export const v34: VersionChanges = {
  version: '3.4',
  neighbour: '3.5',
  summary: [
    'No batch endpoints.',
    'Lacks the methods v3.5 added: bot templates and bot tokens (create_bot_template, update_bot_template, ' +
      'delete_bot_template, list_bot_templates, reset_bot_template_secret, issue_bot_token, reset_bot_secret), tags ' +
      '(create_tag, update_tag, delete_tag, list_tags), list_groups_properties, list_channels, check_product_limits_for_plan, ' +
      'get_product_source.',
    'Has the methods v3.5 removed: list_group_properties (one group) and get_license_id, get_organization_id ' +
      '(GET with a query string, no authorization).',
    '`work_scheduler` in v3.4\'s form, `{"monday": {"start": "08:30", "end": "12:30"}, …}` (one range a day), in ' +
      'create_agent, update_agent, create_bot, update_bot and the answers of get_agent, list_agents, get_bot, list_bots; ' +
      'a bot\'s time zone is its top-level `timezone` (required with `work_scheduler`), an agent\'s schedule has none ' +
      '(its stored zone stays). Reading a schedule with several ranges on one day answers `validation`.',
    'get_agent and list_agents answer no `account_id` and offer no `last_logout` field; list_agents has no `suspended` filter.',
    'create_bot, enable_license_webhooks, disable_license_webhooks and get_license_webhooks_state refuse `owner_client_id` ' +
      'with a Bearer token (`validation`): it is for Personal Access Tokens only.',
    'register_webhook and list_webhook_names: the v3.4 triggering actions (`auto_access_added`, `auto_access_updated`, ' +
      '`auto_access_deleted` instead of `auto_accesses_updated`; no tag actions).',
    'Webhooks registered through v3.4 receive a change of auto access rules as one `auto_access_added`, ' +
      '`auto_access_updated` or `auto_access_deleted` per rule (the rule without `status`), no tag events, and ' +
      'agents\' and bots\' `work_scheduler` in v3.4\'s form (left out when v3.4 cannot express it).',
    'list_license_properties and list_group_properties are also served by GET with the parameters in the query string, ' +
      'and take the JS SDK\'s `namespace_prefix` (a prefix of the namespaces listed); create_bot and update_bot take its ' +
      '`avatar_path` for `avatar`.',
  ],
  batches: false,
  removed: [
    'create_bot_template', 'update_bot_template', 'delete_bot_template', 'list_bot_templates', 'reset_bot_template_secret',
    'issue_bot_token', 'reset_bot_secret',
    'create_tag', 'update_tag', 'delete_tag', 'list_tags',
    'list_groups_properties', 'list_channels', 'check_product_limits_for_plan', 'get_product_source',
  ],
  added: V34_AREAS.flatMap((area) => area.actions.map((a) => a.name)),
  actions: [
    ...agentChanges,
    ...propertyChanges,
    changeOf(getLicenseId, { get: true }),
    changeOf(getOrganizationId, { get: true }),
    changeOf(registerWebhook, { request: (s, rules) => withProperties(s, { action: webhookActionSchema(rules.webhookActions) }) }),
  ],
  rules: (v35) => ({
    webhookActions: webhookActionsWith(v35.webhookActions, {
      add: ['auto_access_added', 'auto_access_updated', 'auto_access_deleted'],
      remove: ['auto_accesses_updated', 'tag_created', 'tag_deleted', 'tag_updated'],
    }),
    agentScheduleZone: 'kept',
    tokenOwnerClientId: 'refused',
  }),
};
