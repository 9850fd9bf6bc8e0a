/**
 * The triggering actions of register_webhook (the table in the Webhooks section of the v3.5 reference): every
 * action a webhook can be registered for, the filters each accepts and whether it accepts `additional_data`.
 */
import { CONFIGURATION_ACTIONS } from './outbox.js';

export const FILTER_NAMES = ['author_type', 'only_my_chats', 'chat_presence', 'source_type', 'agent_ids'] as const;
export type FilterName = (typeof FILTER_NAMES)[number];
export const ADDITIONAL_DATA = ['chat_properties', 'chat_presence_user_ids'] as const;
export const SOURCE_TYPES = ['my_client', 'other_clients', 'system'] as const;
export type SourceType = (typeof SOURCE_TYPES)[number];

const CHAT: readonly FilterName[] = ['chat_presence', 'only_my_chats', 'source_type'];
const SOURCE: readonly FilterName[] = ['source_type'];

/** Action → available filters, in the order of the reference's table. */
export const TRIGGERING_ACTIONS: ReadonlyArray<readonly [string, readonly FilterName[]]> = [
  ['incoming_chat', CHAT],
  ['chat_deactivated', CHAT],
  ['chat_access_updated', CHAT],
  ['chat_transferred', CHAT],
  ['user_added_to_chat', CHAT],
  ['user_removed_from_chat', CHAT],
  ['incoming_event', ['chat_presence', 'author_type', 'only_my_chats', 'source_type']],
  ['event_updated', ['chat_presence', 'author_type', 'only_my_chats', 'source_type']],
  ['incoming_rich_message_postback', CHAT],
  ['chat_properties_updated', CHAT],
  ['chat_properties_deleted', CHAT],
  ['thread_properties_updated', CHAT],
  ['thread_properties_deleted', CHAT],
  ['event_properties_updated', CHAT],
  ['event_properties_deleted', CHAT],
  ['thread_tagged', CHAT],
  ['thread_untagged', CHAT],
  ['routing_status_set', ['agent_ids', 'source_type']],
  ['incoming_customer', SOURCE],
  ['customer_session_fields_updated', ['chat_presence', 'source_type']],
  ['events_marked_as_seen', CHAT],
  ['group_created', SOURCE],
  ['group_updated', SOURCE],
  ['group_deleted', SOURCE],
  ['agent_created', SOURCE],
  ['agent_updated', SOURCE],
  ['agent_deleted', SOURCE],
  ['agent_suspended', SOURCE],
  ['agent_unsuspended', SOURCE],
  ['agent_approved', SOURCE],
  ['bot_created', SOURCE],
  ['bot_updated', SOURCE],
  ['bot_deleted', SOURCE],
  ['auto_accesses_updated', SOURCE],
  ['tag_created', SOURCE],
  ['tag_deleted', SOURCE],
  ['tag_updated', SOURCE],
];

export const WEBHOOK_ACTIONS: readonly string[] = TRIGGERING_ACTIONS.map(([a]) => a);
const FILTERS = new Map<string, readonly FilterName[]>(TRIGGERING_ACTIONS);

/** `additional_data` is allowed for "all actions except for agent_status_changed, agent_deleted, incoming_customer". */
const NO_ADDITIONAL_DATA = new Set(['agent_status_changed', 'agent_deleted', 'incoming_customer']);

export const filtersOf = (action: string): readonly FilterName[] => FILTERS.get(action) ?? [];
export const additionalDataOf = (action: string): readonly string[] =>
  NO_ADDITIONAL_DATA.has(action) ? [] : ADDITIONAL_DATA;

/** API versions whose webhook names this server can list (body parameter `version` of list_webhook_names). */
export const WEBHOOK_NAME_VERSIONS = ['3.5'] as const;

// Every configuration event the outbox records must be a registrable action.
for (const a of CONFIGURATION_ACTIONS) {
  if (!FILTERS.has(a)) throw new Error(`configuration action ${a} missing from the triggering-actions table`);
}
