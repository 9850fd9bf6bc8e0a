/**
 * v3.4's work schedule and its translation to and from the stored (v3.5) form.
 *
 * v3.4: `{"monday": {"start": "08:30", "end": "12:30"}, …}`, one range per day, no time zone (bots give theirs as
 * the top-level `timezone`). v3.5: `{"timezone": "Europe/Warsaw", "schedule": [{"day", "enabled", "start", "end"}]}`,
 * several ranges a day, each enabled or not.
 *
 * - v3.4 → v3.5: each day given is one enabled range (days in the order sunday…saturday).
 * - v3.5 → v3.4: each enabled range is its day's; disabled ranges are days off, as a day v3.4 leaves out. A day with
 *   two enabled ranges cannot be said in v3.4: reading such a schedule through v3.4 answers `validation`, as the
 *   v3.4 reference warns ("doesn't support the new version of work_scheduler … might result in the validation
 *   error"), rather than silently dropping a range a v3.4 client would then write back (docs/decisions.md).
 */
import { Type, type TSchema } from '@sinclair/typebox';
import { ApiError } from '../../kernel/errors.js';
import { DAYS, TimeOfDay, type WorkScheduler } from '../../agents/schemas.js';

type Day = (typeof DAYS)[number];
/** v3.4's schedule: a range for some days. */
export type V34Schedule = Partial<Record<Day, { start: string; end: string }>>;

const Range = Type.Object({ start: TimeOfDay, end: TimeOfDay }, { additionalProperties: false });
/** The v3.4 `work_scheduler` parameter and field. */
export const V34ScheduleSchema = Type.Object(
  Object.fromEntries(DAYS.map((d) => [d, Type.Optional(Range)])) as unknown as Record<Day, TSchema>,
  { additionalProperties: false, title: 'WorkSchedulerV34' },
);

/** A v3.4 schedule as the v3.5 `schedule` list; each range must end after it starts. */
export function scheduleList(v34: V34Schedule): NonNullable<WorkScheduler['schedule']> {
  const out: NonNullable<WorkScheduler['schedule']> = [];
  for (const day of DAYS) {
    const range = v34[day];
    if (!range) continue;
    if (range.start >= range.end) throw new ApiError('validation', `\`work_scheduler.${day}.end\` should be later than \`start\``);
    out.push({ day, enabled: true, start: range.start, end: range.end });
  }
  return out;
}

/** The first day with two enabled ranges (which v3.4 cannot say), or null. */
function inexpressibleDay(ws: WorkScheduler | undefined): string | null {
  const seen = new Set<string>();
  for (const s of ws?.schedule ?? []) {
    if (!s.enabled) continue;
    if (seen.has(s.day)) return s.day;
    seen.add(s.day);
  }
  return null;
}

/** A stored (v3.5) schedule in v3.4's form, or null when v3.4 cannot express it. */
export function scheduleInV34(ws: WorkScheduler | undefined): V34Schedule | null {
  if (inexpressibleDay(ws) !== null) return null;
  const byDay = new Map((ws?.schedule ?? []).filter((s) => s.enabled).map((s) => [s.day, { start: s.start, end: s.end }]));
  const out: V34Schedule = {};
  for (const d of DAYS) {
    const range = byDay.get(d);
    if (range) out[d] = range;
  }
  return out;
}

/** A stored schedule in v3.4's form for an answer; `owner` names the agent or bot when v3.4 cannot express it. */
export function v34Schedule(ws: WorkScheduler | undefined, owner: string): V34Schedule {
  const out = scheduleInV34(ws);
  if (out === null) {
    throw new ApiError(
      'validation',
      `The work_scheduler of ${owner} has several working ranges on ${inexpressibleDay(ws)}, which v3.4 cannot express: read it through v3.5`,
    );
  }
  return out;
}
