/**
 * v3.6 (the platform's current stable version) as changes relative to v3.5 (versions/v3.6/configuration-api.mdx and
 * the changelog; the digest in docs/decisions.md "API versions"). Everything not listed here is v3.5's, unchanged.
 */
import { Type } from '@sinclair/typebox';
import { changeOf, withProperties, type VersionChanges } from '../kernel/versions.js';
import { identifier } from '../kernel/schema.js';
import { createAgent, updateAgent } from '../agents/actions.js';
import { createBot, updateBot } from '../bots/bot-actions.js';
import { BotTypeProps } from '../bots/schemas.js';
import { registerWebhook, webhookActionSchema } from '../webhooks/actions.js';
import { webhookActionsWith } from '../webhooks/catalog.js';
import type { WebhookFormatChange } from '../webhooks/formats.js';
import { V36_AREAS } from '../areas-v36.js';

/** Agents' `max_chats_count` in create_agent and update_agent: "Maximum: 20." (v3.5 allows 100). */
export const V36_MAX_CHATS = 20;
const MaxChats = Type.Optional(Type.Integer({ minimum: 0, maximum: V36_MAX_CHATS }));

export const v36: VersionChanges = {
  version: '3.6',
  neighbour: '3.5',
  summary: [
    'New methods: create_greeting, update_greeting, delete_greeting, get_greeting, list_greetings; list_customer_bans, ' +
      'unban_customer; reactivate_email; update_company_details, get_company_details.',
    'create_agent takes no `avatar` (nor `avatar_path`); update_agent takes no `name`, `avatar` nor `avatar_path`.',
    `Agents' \`max_chats_count\` is at most ${V36_MAX_CHATS} in create_agent and update_agent (v3.5: 100).`,
    'Bots have a `type` (create_bot, default `chatbot`; update_bot), stored and, as in the reference, shown in no answer nor webhook.',
    'create_group no longer needs an agent with the `normal` priority.',
    'The `X-Author-Id` header (an agent token acting as a bot) is refused (`validation`): bot tokens are the only bot authorization.',
    'register_webhook: `url` at most 500 characters; the triggering actions gain `event_deleted` and `thread_summary_set` ' +
      'and lose `incoming_customer` (list_webhook_names lists them).',
    'Webhooks registered through v3.6 carry `requester` (`user_id`, `account_id`, `client_id`) of the caller whose action ' +
      'caused the event.',
  ],
  added: V36_AREAS.flatMap((area) => area.actions.map((a) => a.name)),
  actions: [
    changeOf(createAgent, { request: (s) => withProperties(s, { avatar: undefined, avatar_path: undefined, max_chats_count: MaxChats }) }),
    changeOf(updateAgent, {
      request: (s) => withProperties(s, { name: undefined, avatar: undefined, avatar_path: undefined, max_chats_count: MaxChats }),
    }),
    changeOf(createBot, { request: (s) => withProperties(s, BotTypeProps) }),
    changeOf(updateBot, { request: (s) => withProperties(s, BotTypeProps) }),
    changeOf(registerWebhook, {
      request: (s, rules) => withProperties(s, { action: webhookActionSchema(rules.webhookActions), url: identifier({ minLength: 1, maxLength: 500 }) }),
    }),
  ],
  rules: (v35) => ({
    groupNeedsNormalPriority: false,
    botAuthorHeader: false,
    webhookActions: webhookActionsWith(v35.webhookActions, { add: ['event_deleted', 'thread_summary_set'], remove: ['incoming_customer'] }),
  }),
};

/** Webhooks registered through v3.6 (versions/v3.6/webhooks.mdx): v3.5's events, with `requester`. */
export const v36Webhooks: WebhookFormatChange = () => ({ requester: true });
