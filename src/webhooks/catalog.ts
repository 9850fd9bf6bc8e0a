/**
 * The triggering actions of register_webhook (the table in the Webhooks section of the v3.5 reference): every
 * action a webhook can be registered for, the filters each accepts and whether it accepts `additional_data`; and the
 * actions of the other versions' tables, so that a version's set (`VersionRules.webhookActions`, src/versions/) is
 * this catalogue's names in its order.
 */
/** The configuration events this server emits (webhooks-v3.5-configuration.md). */
export const CONFIGURATION_ACTIONS = [
  'agent_created', 'agent_approved', 'agent_updated', 'agent_suspended', 'agent_unsuspended', 'agent_deleted',
  'auto_accesses_updated', 'bot_created', 'bot_updated', 'bot_deleted',
  'group_created', 'group_updated', 'group_deleted', 'tag_created', 'tag_updated', 'tag_deleted',
] as const;
export type ConfigurationAction = (typeof CONFIGURATION_ACTIONS)[number];

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

/** The v3.5 table's actions: the base version's set. */
export const WEBHOOK_ACTIONS: readonly string[] = TRIGGERING_ACTIONS.map(([a]) => a);

/** Actions of the other versions' tables (v3.4: auto_access_*; v3.6: event_deleted, thread_summary_set), with their filters. */
const OTHER_VERSIONS: ReadonlyArray<readonly [string, readonly FilterName[]]> = [
  ['event_deleted', CHAT],
  ['auto_access_added', SOURCE],
  ['auto_access_updated', SOURCE],
  ['auto_access_deleted', SOURCE],
  ['thread_summary_set', CHAT],
];
const FILTERS = new Map<string, readonly FilterName[]>([...TRIGGERING_ACTIONS, ...OTHER_VERSIONS]);

/** Every version's actions in the order of their tables: the v3.5 table with the others' inserted where theirs have them. */
const CATALOGUE_ORDER: readonly string[] = WEBHOOK_ACTIONS.flatMap((a) =>
  a === 'incoming_event' ? [a, 'event_deleted'] : a === 'bot_deleted' ? [a, 'auto_access_added', 'auto_access_updated', 'auto_access_deleted'] : a === 'tag_updated' ? [a, 'thread_summary_set'] : [a],
);

/** A version's triggering actions from its neighbour's: some added, some removed, in the catalogue's order. */
export function webhookActionsWith(from: readonly string[], change: { add?: readonly string[]; remove?: readonly string[] }): string[] {
  const set = new Set([...from, ...(change.add ?? [])]);
  for (const a of change.remove ?? []) set.delete(a);
  for (const a of set) if (!FILTERS.has(a)) throw new Error(`webhook action ${a} is not in the catalogue`);
  return CATALOGUE_ORDER.filter((a) => set.has(a));
}

/** `additional_data` is allowed for "all actions except for agent_status_changed, agent_deleted, incoming_customer". */
const NO_ADDITIONAL_DATA = new Set(['agent_status_changed', 'agent_deleted', 'incoming_customer']);

export const filtersOf = (action: string): readonly FilterName[] => FILTERS.get(action) ?? [];
export const additionalDataOf = (action: string): readonly string[] =>
  NO_ADDITIONAL_DATA.has(action) ? [] : ADDITIONAL_DATA;

// Every configuration event the outbox records must be a registrable action.
for (const a of CONFIGURATION_ACTIONS) {
  if (!FILTERS.has(a)) throw new Error(`configuration action ${a} missing from the triggering-actions table`);
}

/**
 * The payload fields clients expect per configuration action ("Payload fields that clients expect" in
 * webhooks-v3.5-configuration.md; SDK parsers reject unknown fields). The outbox keeps only these.
 */
export interface PayloadContract {
  required: readonly string[];
  optional: readonly string[];
}
const ID_ONLY: PayloadContract = { required: ['id'], optional: [] };
const AGENT_OPTIONAL = [
  'role', 'avatar', 'job_title', 'mobile', 'max_chats_count', 'groups', 'notifications', 'email_subscriptions',
  'work_scheduler',
];
const BOT_OPTIONAL = ['avatar', 'max_chats_count', 'groups', 'work_scheduler', 'timezone', 'job_title'];
const AUTO_ACCESS_FIELDS = ['description', 'access', 'conditions', 'next_id'];

export const PAYLOAD_CONTRACTS: Record<Exclude<ConfigurationAction, 'auto_accesses_updated'>, PayloadContract> = {
  agent_created: { required: ['id', 'name', 'awaiting_approval'], optional: AGENT_OPTIONAL },
  agent_updated: { required: ['id'], optional: ['name', ...AGENT_OPTIONAL] },
  agent_approved: ID_ONLY,
  agent_suspended: ID_ONLY,
  agent_unsuspended: ID_ONLY,
  agent_deleted: ID_ONLY,
  bot_created: { required: ['id', 'name', 'default_group_priority', 'owner_client_id'], optional: BOT_OPTIONAL },
  bot_updated: { required: ['id'], optional: ['name', 'default_group_priority', ...BOT_OPTIONAL] },
  bot_deleted: ID_ONLY,
  group_created: { required: ['id', 'name', 'language_code', 'agent_priorities'], optional: [] },
  group_updated: { required: ['id'], optional: ['name', 'language_code', 'agent_priorities'] },
  group_deleted: ID_ONLY,
  tag_created: { required: ['name', 'author_id', 'created_at', 'group_ids'], optional: [] },
  tag_updated: { required: ['name', 'group_ids'], optional: ['author_id', 'created_at'] },
  tag_deleted: { required: ['name'], optional: [] },
};

/** auto_accesses_updated is an array of changes, each with a `status`. */
export const AUTO_ACCESS_ITEM_CONTRACTS: Record<string, PayloadContract> = {
  added: { required: ['id', 'status', 'description', 'access', 'conditions'], optional: ['next_id'] },
  updated: { required: ['id', 'status'], optional: AUTO_ACCESS_FIELDS },
  deleted: { required: ['id', 'status'], optional: [] },
};

function pick(obj: unknown, contract: PayloadContract | undefined): unknown {
  if (!contract || obj === null || typeof obj !== 'object' || Array.isArray(obj)) return obj;
  const allowed = new Set([...contract.required, ...contract.optional]);
  return Object.fromEntries(Object.entries(obj).filter(([k]) => allowed.has(k)));
}

/** The payload as delivered: only the fields of the action's contract (in the emitter's order). */
export function contractPayload(action: ConfigurationAction, payload: unknown): unknown {
  if (action === 'auto_accesses_updated') {
    if (!Array.isArray(payload)) return payload;
    return payload.map((item) => pick(item, AUTO_ACCESS_ITEM_CONTRACTS[(item as { status?: string })?.status ?? '']));
  }
  return pick(payload, PAYLOAD_CONTRACTS[action]);
}
