/**
 * v3.4's agents and bots: work schedules in v3.4's form on the way in and out (work-scheduler.ts), bots' time zone at
 * the top level only (and the JS SDK's `avatar_path` for bots' `avatar`), agent answers without `account_id` and
 * `last_logout` (both new in v3.5), list_agents without the `suspended` filter (new in v3.5).
 */
import { Type, type TObject, type TSchema } from '@sinclair/typebox';
import { ApiError } from '../../kernel/errors.js';
import { literalUnion } from '../../kernel/schema.js';
import { changeOf, withProperties, type ActionChange } from '../../kernel/versions.js';
import { createAgent, getAgent, listAgents, updateAgent } from '../../agents/actions.js';
import { AGENT_FIELDS, type WorkScheduler } from '../../agents/schemas.js';
import { avatarOf } from '../../agents/rules.js';
import { createBot, getBot, listBots, updateBot } from '../../bots/bot-actions.js';
import { scheduleList, v34Schedule, V34ScheduleSchema, type V34Schedule } from './work-scheduler.js';

/** get_agent and list_agents `fields[]` in v3.4: v3.5's without `last_logout`. */
export const V34_AGENT_FIELDS = AGENT_FIELDS.filter((f) => f !== 'last_logout');
const AgentFields = Type.Optional(Type.Array(literalUnion(V34_AGENT_FIELDS)));
const Schedule = Type.Optional(V34ScheduleSchema);

/** An answer schema (an object, or an array of them) with each object's properties changed. */
function eachObject(schema: TSchema, changes: Record<string, TSchema | undefined>): TSchema {
  if (schema.type === 'array') return Type.Array(withProperties(schema.items as TObject, changes));
  return withProperties(schema as TObject, changes);
}

/** An answer object in v3.4's form, its keys in the same order: `drop`ped, the work schedule translated. */
function reshape(view: Record<string, unknown>, drop: readonly string[], owner: string): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(view)) {
    if (drop.includes(k)) continue;
    out[k] = k === 'work_scheduler' ? v34Schedule(v as WorkScheduler, owner) : v;
  }
  return out;
}

const AGENT_DROPS = ['account_id', 'last_logout'];
const agentV34 = (a: Record<string, unknown>) => reshape(a, AGENT_DROPS, `agent ${String(a.id)}`);
const botV34 = (b: Record<string, unknown>) => reshape(b, [], `bot ${String(b.id)}`);

/** v3.4's validated input of an action with a work schedule. */
type WithSchedule = { work_scheduler?: V34Schedule; timezone?: string } & Record<string, unknown>;

/** An agent's v3.4 schedule as the base input: the stored zone stays (the `agentScheduleZone` rule). */
function agentToBase<B>({ work_scheduler, ...rest }: WithSchedule): B {
  return (work_scheduler === undefined ? rest : { ...rest, work_scheduler: { schedule: scheduleList(work_scheduler) } }) as B;
}

/**
 * A bot's v3.4 input as the base's: the schedule in the top-level `timezone` it needs ("Required if `work_scheduler`
 * is provided"), and `avatar_path` (the JS SDK's name for bots' `avatar`, as agents have it) as `avatar`.
 */
function botToBase<B>({ work_scheduler, avatar_path, ...rest }: WithSchedule & { avatar?: string; avatar_path?: string }): B {
  const avatar = avatarOf({ avatar: rest.avatar, avatar_path });
  const base = avatar === undefined ? rest : { ...rest, avatar };
  if (work_scheduler === undefined) return base as B;
  if (!rest.timezone) throw new ApiError('validation', '`timezone` is required when `work_scheduler` is given');
  return { ...base, work_scheduler: { timezone: rest.timezone, schedule: scheduleList(work_scheduler) } } as B;
}
const botRequest = (s: TObject) => withProperties(s, { work_scheduler: Schedule, avatar_path: Type.Optional(Type.String({ maxLength: 2048 })) });

export const agentChanges: readonly ActionChange[] = [
  changeOf(createAgent, { request: (s) => withProperties(s, { work_scheduler: Schedule }), toBase: (input) => agentToBase(input) }),
  changeOf(updateAgent, { request: (s) => withProperties(s, { work_scheduler: Schedule }), toBase: (input) => agentToBase(input) }),
  changeOf(getAgent, {
    request: (s) => withProperties(s, { fields: AgentFields }),
    response: (r) => eachObject(r, { account_id: undefined, last_logout: undefined, work_scheduler: Schedule }),
    fromBase: (out) => agentV34(out as Record<string, unknown>),
  }),
  changeOf(listAgents, {
    request: (s) =>
      withProperties(s, {
        fields: AgentFields,
        filters: Type.Optional(Type.Object({ group_ids: Type.Optional(Type.Array(Type.Integer({ minimum: 0 }))) }, { additionalProperties: false })),
      }),
    response: (r) => eachObject(r, { account_id: undefined, last_logout: undefined, work_scheduler: Schedule }),
    fromBase: (out) => (out as Record<string, unknown>[]).map(agentV34),
  }),
  changeOf(createBot, { request: botRequest, toBase: (input) => botToBase(input) }),
  changeOf(updateBot, { request: botRequest, toBase: (input) => botToBase(input) }),
  changeOf(getBot, { response: (r) => eachObject(r, { work_scheduler: Schedule }), fromBase: (out) => botV34(out as Record<string, unknown>) }),
  changeOf(listBots, {
    response: (r) => eachObject(r, { work_scheduler: Schedule }),
    fromBase: (out) => (out as Record<string, unknown>[]).map(botV34),
  }),
];
