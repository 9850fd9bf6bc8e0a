/** Request and response schemas of the bots area (bots, bot templates, bot tokens). */
import { Type, type Static, type TOptional, type TSchema } from '@sinclair/typebox';
import { identifier, literalUnion } from '../kernel/schema.js';
import { GroupsSchema, PrioritySchema, WorkSchedulerSchema } from '../agents/schemas.js';
import { BOT_FIELDS, BOT_MAX_CHATS_LIMIT } from './view.js';

const opt = <T extends Record<string, TSchema>>(props: T) =>
  Object.fromEntries(Object.entries(props).map(([k, v]) => [k, Type.Optional(v)])) as { [K in keyof T]: TOptional<T[K]> };

const Id = identifier({ minLength: 1 });
const Name = Type.String({ minLength: 1, maxLength: 180 });
const ClientId = identifier({ minLength: 1 });
const FieldsSchema = Type.Array(literalUnion(BOT_FIELDS));

/** Parameters shared by bots and templates. */
const profileProps = {
  avatar: Type.String({ maxLength: 2048 }),
  max_chats_count: Type.Integer({ minimum: 0, maximum: BOT_MAX_CHATS_LIMIT }),
  default_group_priority: PrioritySchema,
  job_title: Type.String({ maxLength: 180 }),
};
/** `timezone`: the official SDKs send the work scheduler's time zone at the top level too (get_bot returns it). */
const botProps = { ...profileProps, groups: GroupsSchema, work_scheduler: WorkSchedulerSchema, timezone: Type.String({ maxLength: 64 }) };

export const CreateBot = Type.Object({ name: Name, ...opt({ ...botProps, owner_client_id: ClientId }) }, { additionalProperties: false });
export const UpdateBot = Type.Object({ id: Id, ...opt({ name: Name, ...botProps }) }, { additionalProperties: false });

/** The type of a bot that did not say (v3.6: "Default: `chatbot`"); bots made through v3.4/v3.5 and templates have it. */
export const DEFAULT_BOT_TYPE = 'chatbot';
/**
 * v3.6's `type` of create_bot and update_bot ("A custom value to categorize or identify the bot"): not a v3.5
 * parameter. src/versions/v3.6.ts adds it to the two request schemas; the handlers take it as part of their input.
 */
export const BotTypeProps = { type: Type.Optional(identifier({ minLength: 1, maxLength: 255 })) };
export type CreateBotInput = Static<typeof CreateBot> & { type?: string };
export const ById = Type.Object({ id: Id }, { additionalProperties: false });
export const GetBot = Type.Object({ id: Id, fields: Type.Optional(FieldsSchema) }, { additionalProperties: false });
export const ListBots = Type.Object({ all: Type.Optional(Type.Boolean()), fields: Type.Optional(FieldsSchema) }, { additionalProperties: false });
export const ResetBotSecret = Type.Object({ id: Id, owner_client_id: Type.Optional(ClientId) }, { additionalProperties: false });
export const IssueBotToken = Type.Object(
  { bot_id: Id, client_id: ClientId, bot_secret: Type.String({ minLength: 1 }), organization_id: Type.String({ minLength: 1 }) },
  { additionalProperties: false },
);

const templateTarget = { owner_client_id: ClientId, affect_existing_installations: Type.Boolean() };
export const CreateTemplate = Type.Object({ name: Name, ...opt({ ...profileProps, ...templateTarget }) }, { additionalProperties: false });
export const UpdateTemplate = Type.Object({ id: Id, ...opt({ name: Name, ...profileProps, ...templateTarget }) }, { additionalProperties: false });
export const TemplateById = Type.Object({ id: Id, ...opt(templateTarget) }, { additionalProperties: false });
export const ListTemplates = Type.Object(opt({ owner_client_id: ClientId }), { additionalProperties: false });

export const IdAndSecret = Type.Object({ id: Type.String(), secret: Type.String() }, { additionalProperties: false });
export const SecretOnly = Type.Object({ secret: Type.String() }, { additionalProperties: false });
/** `fields[]` extras of get_bot and list_bots. */
const botExtras = opt({
  groups: GroupsSchema,
  work_scheduler: WorkSchedulerSchema,
  job_title: Type.String(),
  max_chats_count: Type.Integer(),
  timezone: Type.String(),
});
/** get_bot (examples/bots/getBot.json): base fields plus the `fields[]` extras. */
export const BotView = Type.Object(
  {
    id: Type.String(),
    name: Type.String(),
    avatar: Type.String(),
    default_group_priority: PrioritySchema,
    owner_client_id: Type.String(),
    ...botExtras,
  },
  { additionalProperties: false, title: 'Bot' },
);
/** list_bots (examples/bots/listBots.json): id, name, avatar plus the `fields[]` extras. */
export const BotListItem = Type.Object(
  { id: Type.String(), name: Type.String(), avatar: Type.String(), ...botExtras },
  { additionalProperties: false, title: 'BotListItem' },
);
export const BotTemplateView = Type.Object(
  {
    id: Type.String(),
    name: Type.String(),
    avatar: Type.String(),
    max_chats_count: Type.Integer(),
    default_group_priority: PrioritySchema,
    job_title: Type.String(),
    owner_client_id: Type.String(),
  },
  { additionalProperties: false, title: 'BotTemplate' },
);

export type UpdateBotInput = Static<typeof UpdateBot> & { type?: string };
