/** Request schemas shared by agents and bots (groups with priorities, work scheduler). */
import { Type } from '@sinclair/typebox';
import { literalUnion } from '../kernel/schema.js';
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

export const WorkSchedulerSchema = Type.Object(
  {
    timezone: Type.Optional(Type.String()),
    schedule: Type.Optional(
      Type.Array(
        Type.Object(
          {
            day: literalUnion(DAYS),
            enabled: Type.Boolean(),
            start: Type.String({ pattern: HHMM, errorMessage: 'should be a time in HH:MM format' }),
            end: Type.String({ pattern: HHMM, errorMessage: 'should be a time in HH:MM format' }),
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
 * Semantic checks beyond the schema: a non-empty schedule needs an IANA `timezone`; each range ends after it starts.
 * Returns the normalised scheduler as stored.
 */
export function checkWorkScheduler(ws: WorkScheduler, opts: { timezoneRequired?: boolean } = {}): WorkScheduler {
  const schedule = ws.schedule ?? [];
  if (ws.timezone !== undefined && ws.timezone !== '' && !isTimeZone(ws.timezone)) {
    throw new ApiError('validation', '`work_scheduler.timezone` should be a valid IANA time zone');
  }
  if ((schedule.length > 0 || opts.timezoneRequired) && !ws.timezone) {
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
