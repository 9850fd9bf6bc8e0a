/**
 * Webhooks registered through v3.4 (versions/v3.4/webhooks.mdx), from v3.5's format (webhooks/formats.ts): a change of
 * auto access rules is one event per rule, no tag events, and agents' and bots' payloads carry `work_scheduler` in
 * v3.4's form (work-scheduler.ts; bots' time zone is their top-level `timezone`, as in v3.5's payloads). A schedule
 * v3.4 cannot express (several ranges on one day) is left out of the payload: the event still tells the rest.
 */
import type { VersionEvent, WebhookFormatChange } from '../../webhooks/formats.js';
import type { WorkScheduler } from '../../agents/schemas.js';
import { scheduleInV34 } from './work-scheduler.js';

/** v3.5's `auto_accesses_updated` items (each with a `status`) → v3.4's event per rule. */
const AUTO_ACCESS_EVENTS: Record<string, string> = { added: 'auto_access_added', updated: 'auto_access_updated', deleted: 'auto_access_deleted' };

function autoAccessEvents(items: unknown): VersionEvent[] {
  if (!Array.isArray(items)) return [];
  return items.flatMap((item: Record<string, unknown>) => {
    const action = AUTO_ACCESS_EVENTS[String(item.status)];
    if (!action) return [];
    const { status: _status, ...rule } = item;
    return [{ action, payload: rule }];
  });
}

/** v3.5 tag events, which v3.4 has not. */
const NO_TAG_EVENTS = new Set(['tag_created', 'tag_updated', 'tag_deleted']);
/** Events whose payload may carry a work schedule. */
const WITH_SCHEDULE = new Set(['agent_created', 'agent_updated', 'bot_created', 'bot_updated']);

/** A payload with its work schedule in v3.4's form (left out when v3.4 cannot express it), keys in the same order. */
function withV34Schedule(payload: unknown): unknown {
  if (payload === null || typeof payload !== 'object' || !('work_scheduler' in payload)) return payload;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(payload)) {
    if (k !== 'work_scheduler') {
      out[k] = v;
      continue;
    }
    const schedule = scheduleInV34(v as WorkScheduler);
    if (schedule !== null) out[k] = schedule;
  }
  return out;
}

function v34Event(e: VersionEvent): VersionEvent[] {
  if (e.action === 'auto_accesses_updated') return autoAccessEvents(e.payload);
  if (WITH_SCHEDULE.has(e.action)) return [{ action: e.action, payload: withV34Schedule(e.payload) }];
  return [e];
}

export const v34Webhooks: WebhookFormatChange = (v35) => ({
  events: (action, payload) => (NO_TAG_EVENTS.has(action) ? [] : v35.events(action, payload).flatMap(v34Event)),
});
