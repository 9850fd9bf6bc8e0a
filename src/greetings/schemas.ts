/**
 * Greetings' request and response schemas (v3.6 reference, "Greetings"; its tables win over its examples, see
 * docs/decisions.md). What a schema cannot say (each rule type's parameters, dates, unique button ids) is checked
 * in rules.ts.
 */
import { Type, type Static } from '@sinclair/typebox';
import { identifier, literalUnion } from '../kernel/schema.js';

export const GREETING_TYPES = ['normal', 'announcement'] as const;
export const RULE_CONDITIONS = ['and', 'or'] as const;
/** Footnote 1 of Create Greeting. */
export const RULE_TYPES = [
  'visit_time_site', 'visit_time_page', 'url_current', 'url_visited', 'url_funnel', 'pages_view_number', 'url_referrer',
  'geolocation', 'visits_number', 'search_keyword', 'custom_variable', 'ads_traffic', 'url_match_page_view_number',
] as const;
export type RuleType = (typeof RULE_TYPES)[number];
/** Footnote 2: for `rules[].operator` and `rules[].urls[].operator`. */
export const OPERATORS = [
  'equals', 'doesnt_equal', 'lower_than', 'lower_or_equal', 'greater_than', 'greater_or_equal', 'contains', 'doesnt_contain',
] as const;
export const TEMPLATE_IDS = ['cards', 'sticker', 'quick_replies'] as const;
export const BUTTON_TYPES = ['webview', 'message', 'url', 'phone'] as const;
export const BUTTON_ROLES = ['default', 'primary', 'danger'] as const;
/** `session_field` keys of the `ads_traffic` type. */
export const ADS_SOURCES = ['microsoft', 'facebook', 'google', 'twitter', 'yahoo'] as const;

export const MAX_RULES = 10;
export const MAX_URLS = 10;
export const MAX_ELEMENTS = 10;
export const MAX_BUTTONS = 13;
export const NAME_MAX = 255;
export const SESSION_FIELD_MAX = 255;
export const MAX_PAGE_SIZE = 100;

const DATE_TIME_MESSAGE = 'should be an RFC 3339 date-time, e.g. 2024-01-01T00:00:00Z';
/** An RFC 3339 date-time (the calendar is checked in rules.ts, with the same message). */
const DateTime = Type.String({ format: 'date-time', errorMessage: DATE_TIME_MESSAGE });
export const DATE_TIME_ERROR = DATE_TIME_MESSAGE;
const NullableDateTime = Type.Union([DateTime, Type.Null()], { errorMessage: `${DATE_TIME_MESSAGE}, or null to unset it` });
const Name = Type.String({ minLength: 1, maxLength: NAME_MAX });
export const GreetingId = Type.Integer({ minimum: 1 });
const GroupId = Type.Integer({ minimum: 0 });

const RuleUrl = Type.Object(
  { url: identifier({ minLength: 1 }), operator: literalUnion(OPERATORS) },
  { additionalProperties: false, title: 'GreetingRuleUrl' },
);
/** Exactly one pair; key and value lengths and `ads_traffic`'s keys are checked in rules.ts. */
const SessionField = Type.Record(Type.String(), Type.String(), { minProperties: 1, maxProperties: 1 });
export const Rule = Type.Object(
  {
    condition: literalUnion(RULE_CONDITIONS),
    type: literalUnion(RULE_TYPES),
    operator: Type.Optional(literalUnion(OPERATORS)),
    value: Type.Optional(Type.String()),
    urls: Type.Optional(Type.Array(RuleUrl, { minItems: 1, maxItems: MAX_URLS })),
    session_field: Type.Optional(SessionField),
  },
  { additionalProperties: false, title: 'GreetingRule' },
);
export type GreetingRule = Static<typeof Rule>;

/** Footnote 3: the keys of `properties`; the values are strings in every example (`"is_exit_intent": "false"`). */
export const Properties = Type.Object(
  {
    addon: Type.Optional(Type.String()),
    is_exit_intent: Type.Optional(Type.String()),
    'greeting-message_text': Type.Optional(Type.String()),
    'greeting-message_json_key': Type.Optional(Type.String()),
    'greeting-message_phrase_key': Type.Optional(Type.String()),
  },
  { additionalProperties: false, title: 'GreetingProperties' },
);

const Size = Type.Integer({ minimum: 0 });
const Image = Type.Object(
  {
    url: identifier({ minLength: 1 }),
    name: Type.Optional(Type.String()),
    content_type: Type.Optional(Type.String()),
    size: Type.Optional(Size),
    width: Type.Optional(Size),
    height: Type.Optional(Size),
    alternative_text: Type.Optional(Type.String()),
  },
  { additionalProperties: false, title: 'GreetingImage' },
);
const buttonFields = {
  text: Type.String(),
  type: literalUnion(BUTTON_TYPES),
  value: Type.String(),
  postback_id: identifier({ minLength: 1 }),
  role: Type.Optional(literalUnion(BUTTON_ROLES)),
};
const ButtonId = identifier({ minLength: 1, maxLength: 255 });
const Button = Type.Object({ ...buttonFields, button_id: Type.Optional(ButtonId) }, { additionalProperties: false });
/** As answered: every button has its id (given, or generated when the greeting was written). */
const ButtonView = Type.Object({ ...buttonFields, button_id: ButtonId }, { additionalProperties: false, title: 'GreetingButton' });

const richMessage = <B extends typeof Button | typeof ButtonView>(button: B, title?: string) =>
  Type.Object(
    {
      template_id: literalUnion(TEMPLATE_IDS),
      elements: Type.Optional(
        Type.Array(
          Type.Object(
            { title: Type.String(), subtitle: Type.String(), image: Image, buttons: Type.Optional(Type.Array(button, { maxItems: MAX_BUTTONS })) },
            { additionalProperties: false },
          ),
          { maxItems: MAX_ELEMENTS },
        ),
      ),
    },
    { additionalProperties: false, ...(title ? { title } : {}) },
  );
export const RichMessage = richMessage(Button);
export type RichMessageInput = Static<typeof RichMessage>;
const RichMessageView = richMessage(ButtonView, 'GreetingRichMessage');
export type RichMessageStored = Static<typeof RichMessageView>;

const Rules = Type.Array(Rule, { minItems: 1, maxItems: MAX_RULES });

export const CreateGreeting = Type.Object(
  {
    type: literalUnion(GREETING_TYPES),
    active: Type.Boolean(),
    active_from: Type.Optional(DateTime),
    active_until: Type.Optional(DateTime),
    name: Name,
    group: GroupId,
    rules: Rules,
    properties: Type.Optional(Properties),
    rich_message: Type.Optional(RichMessage),
  },
  { additionalProperties: false },
);
export type CreateGreetingInput = Static<typeof CreateGreeting>;

/** Every create field but `group` (a greeting stays in its group); `null` unsets the dates and the rich message. */
export const UpdateGreeting = Type.Object(
  {
    id: GreetingId,
    type: Type.Optional(literalUnion(GREETING_TYPES)),
    active: Type.Optional(Type.Boolean()),
    active_from: Type.Optional(NullableDateTime),
    active_until: Type.Optional(NullableDateTime),
    name: Type.Optional(Name),
    rules: Type.Optional(Rules),
    properties: Type.Optional(Properties),
    rich_message: Type.Optional(Type.Union([RichMessage, Type.Null()])),
  },
  { additionalProperties: false },
);
export type UpdateGreetingInput = Static<typeof UpdateGreeting>;

export const ById = Type.Object({ id: GreetingId }, { additionalProperties: false });

export const ListGreetings = Type.Object(
  {
    groups: Type.Optional(Type.Array(GroupId, { uniqueItems: true })),
    page_id: Type.Optional(Type.String({ minLength: 1 })),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_PAGE_SIZE })),
  },
  { additionalProperties: false },
);

/** get_greeting's answer (and each item of list_greetings): dates and the rich message only when set. */
export const GreetingView = Type.Object(
  {
    id: Type.Integer(),
    type: literalUnion(GREETING_TYPES),
    active: Type.Boolean(),
    active_from: Type.Optional(Type.String({ format: 'date-time' })),
    active_until: Type.Optional(Type.String({ format: 'date-time' })),
    name: Type.String(),
    group: Type.Integer(),
    rules: Type.Array(Rule),
    properties: Properties,
    rich_message: Type.Optional(RichMessageView),
  },
  { additionalProperties: false, title: 'Greeting' },
);
export type Greeting = Static<typeof GreetingView>;

export const CreatedGreeting = Type.Object({ id: Type.Integer() }, { additionalProperties: false, title: 'CreatedGreeting' });

export const GreetingsPage = Type.Object(
  { greetings: Type.Array(GreetingView), found_greetings: Type.Integer(), next_page_id: Type.Optional(Type.String()) },
  { additionalProperties: false, title: 'GreetingsPage' },
);
