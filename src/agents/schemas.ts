/**
 * The agents area's request and response schemas, and those shared with bots (groups with priorities, work
 * scheduler) with their checks beyond the schema.
 */
import { Type, type Static, type TOptional, type TSchema } from '@sinclair/typebox';
import { identifier, literalUnion, NO_ASTRAL_NONCHARACTERS, REFUSED_CHARS } from '../kernel/schema.js';
import { ApiError } from '../kernel/errors.js';
import { PRIORITIES } from '../groups/repo.js';

/** A union of string literals (an enum) typed as the union of its values. */
export const ROLE_VALUES = ['viceowner', 'administrator', 'normal'] as const;
export const LOGIN_STATUSES = ['accepting chats', 'not accepting chats'] as const;
export const NOTIFICATIONS = [
  'new_visitor', 'incoming_chat', 'returning_visitor', 'queued_visitor', 'visitor_is_typing', 'new_goal',
  'unassigned_chats', 'unassigned_chat_messages', 'ticket', 'inactive_notifications', 'mute_all_sounds',
  'repeat_sound_notifications', 'ticket_notifications', 'incoming_message_for_focused_chat',
] as const;
export const EMAIL_SUBSCRIPTIONS = ['daily_summary', 'weekly_summary'] as const;
export const DAYS = ['sunday', 'monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday'] as const;

export const PrioritySchema = literalUnion(PRIORITIES);

export const GroupsSchema = Type.Array(
  Type.Object(
    { id: Type.Integer({ minimum: 0 }), priority: PrioritySchema },
    { additionalProperties: false },
  ),
);

const HHMM = '^([01][0-9]|2[0-3]):[0-5][0-9]$|^24:00$';
/** A time of day of a work schedule, `HH:MM` (`24:00` ends a day). */
export const TimeOfDay = Type.String({ pattern: HHMM, errorMessage: 'should be a time in HH:MM format' });

export const WorkSchedulerSchema = Type.Object(
  {
    timezone: Type.Optional(Type.String()),
    schedule: Type.Optional(
      Type.Array(
        Type.Object(
          {
            day: literalUnion(DAYS),
            enabled: Type.Boolean(),
            start: TimeOfDay,
            end: TimeOfDay,
          },
          { additionalProperties: false },
        ),
      ),
    ),
  },
  { additionalProperties: false },
);

export interface WorkScheduler {
  timezone?: string;
  schedule?: { day: string; enabled: boolean; start: string; end: string }[];
}

const tzCache = new Map<string, boolean>();
export function isTimeZone(tz: string): boolean {
  let ok = tzCache.get(tz);
  if (ok === undefined) {
    try {
      new Intl.DateTimeFormat('en-US', { timeZone: tz });
      ok = tz.length > 0;
    } catch {
      ok = false;
    }
    if (tzCache.size < 1000) tzCache.set(tz, ok);
  }
  return ok;
}

/**
 * Semantic checks beyond the schema: a non-empty schedule needs an IANA `timezone` (unless `zoneOptional`: the
 * `agentScheduleZone` rule of a version whose schedules have none); each range ends after it starts. Returns the
 * normalised scheduler as stored.
 */
export function checkWorkScheduler(ws: WorkScheduler, opts: { timezoneRequired?: boolean; zoneOptional?: boolean } = {}): WorkScheduler {
  const schedule = ws.schedule ?? [];
  if (ws.timezone !== undefined && ws.timezone !== '' && !isTimeZone(ws.timezone)) {
    throw new ApiError('validation', '`work_scheduler.timezone` should be a valid IANA time zone');
  }
  if ((schedule.length > 0 || opts.timezoneRequired) && !opts.zoneOptional && !ws.timezone) {
    throw new ApiError('validation', '`work_scheduler.timezone` is required');
  }
  schedule.forEach((s, i) => {
    if (s.start >= s.end) {
      throw new ApiError('validation', `\`work_scheduler.schedule[${i}].end\` should be later than \`start\``);
    }
  });
  const out: WorkScheduler = {};
  if (ws.timezone) out.timezone = ws.timezone;
  if (ws.schedule !== undefined) {
    out.schedule = schedule.map((s) => ({ day: s.day, enabled: s.enabled, start: s.start, end: s.end }));
  }
  return out;
}

/** Reject repeated values in enum arrays (notifications, email_subscriptions). */
export function uniqueList(values: readonly string[] | undefined, field: string): string[] | undefined {
  if (!values) return undefined;
  if (new Set(values).size !== values.length) {
    throw new ApiError('validation', `\`${field}\` should not contain duplicates`);
  }
  return [...values];
}

// --- the agents actions' schemas ----------------------------------------------------------------------------------

/** `fields[]` values of get_agent and list_agents (the view's extras: see view.ts). */
export const AGENT_FIELDS = [
  'work_scheduler', 'groups', 'email_subscriptions', 'notifications', 'job_title', 'mobile', 'max_chats_count',
  'suspended', 'awaiting_approval', 'last_logout',
] as const;
export const MAX_CHATS_LIMIT = 100;
/** An e-mail address without blanks, control characters or noncharacters (the identifier rules in docs/decisions.md). */
const EMAIL_PART = `[^\\s@${REFUSED_CHARS}]+`;
const EMAIL = `^${NO_ASTRAL_NONCHARACTERS}${EMAIL_PART}@${EMAIL_PART}\\.${EMAIL_PART}$`;

const Id = identifier({ minLength: 1 });
const AgentId = Type.String({ minLength: 1, maxLength: 254, pattern: EMAIL, errorMessage: 'should be an e-mail address' });
const Name = Type.String({ minLength: 1, maxLength: 180 });
const FieldsSchema = Type.Array(literalUnion(AGENT_FIELDS));

const agentProps = {
  name: Name,
  role: literalUnion(ROLE_VALUES),
  avatar: Type.String({ maxLength: 2048 }),
  /** The official SDKs' name for `avatar` (the reference's list_agents example shows it too). */
  avatar_path: Type.String({ maxLength: 2048 }),
  login_status: literalUnion(LOGIN_STATUSES),
  job_title: Type.String({ maxLength: 180 }),
  mobile: Type.String({ maxLength: 64 }),
  max_chats_count: Type.Integer({ minimum: 0, maximum: MAX_CHATS_LIMIT }),
  groups: GroupsSchema,
  notifications: Type.Array(literalUnion(NOTIFICATIONS)),
  email_subscriptions: Type.Array(literalUnion(EMAIL_SUBSCRIPTIONS)),
  work_scheduler: WorkSchedulerSchema,
};

const opt = <T extends Record<string, TSchema>>(props: T) =>
  Object.fromEntries(Object.entries(props).map(([k, v]) => [k, Type.Optional(v)])) as { [K in keyof T]: TOptional<T[K]> };

export const CreateAgent = Type.Object(
  { ...opt({ ...agentProps, awaiting_approval: Type.Boolean() }), id: AgentId, name: Name },
  { additionalProperties: false },
);
export const UpdateAgent = Type.Object({ id: Id, ...opt(agentProps) }, { additionalProperties: false });
export const ById = Type.Object({ id: Id }, { additionalProperties: false });
export const GetAgent = Type.Object({ id: Id, fields: Type.Optional(FieldsSchema) }, { additionalProperties: false });
export const ListAgents = Type.Object(
  {
    filters: Type.Optional(
      Type.Object(
        {
          group_ids: Type.Optional(Type.Array(Type.Integer({ minimum: 0 }))),
          suspended: Type.Optional(Type.Boolean()),
        },
        { additionalProperties: false },
      ),
    ),
    fields: Type.Optional(FieldsSchema),
  },
  { additionalProperties: false },
);
export const Empty = Type.Object({}, { additionalProperties: false });

export const CreateAgentResponse = Type.Object({ id: Type.String() }, { additionalProperties: false });
/** get_agent / list_agents: the base fields always, the `fields[]` extras when asked for (examples/agents/getAgent.json). */
export const AgentView = Type.Object(
  {
    id: Type.String(),
    account_id: Type.String(),
    name: Type.String(),
    avatar: Type.String(),
    role: literalUnion(['owner', ...ROLE_VALUES] as const),
    login_status: literalUnion(LOGIN_STATUSES),
    ...opt({
      work_scheduler: WorkSchedulerSchema,
      groups: GroupsSchema,
      email_subscriptions: Type.Array(literalUnion(EMAIL_SUBSCRIPTIONS)),
      notifications: Type.Array(literalUnion(NOTIFICATIONS)),
      job_title: Type.String(),
      mobile: Type.String(),
      max_chats_count: Type.Integer(),
      suspended: Type.Boolean(),
      awaiting_approval: Type.Boolean(),
      last_logout: Type.String({ format: 'date-time' }),
    }),
  },
  { additionalProperties: false, title: 'Agent' },
);


export type UpdateAgentInput = Static<typeof UpdateAgent>;
