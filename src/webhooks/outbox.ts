/**
 * Transactional outbox: configuration events are written in the same transaction as the change they describe,
 * so there is no change without its event and no event without its change. Delivery reads them afterwards.
 */
import { nextCounter, nowIso, type Queryable } from '../store/db.js';
import type { Caller } from '../api/registry.js';
import { uuid } from '../tenancy/secrets.js';

export const CONFIGURATION_ACTIONS = [
  'agent_created', 'agent_approved', 'agent_updated', 'agent_suspended', 'agent_unsuspended', 'agent_deleted',
  'auto_accesses_updated', 'bot_created', 'bot_updated', 'bot_deleted',
  'group_created', 'group_updated', 'group_deleted', 'tag_created', 'tag_updated', 'tag_deleted',
] as const;
export type ConfigurationAction = (typeof CONFIGURATION_ACTIONS)[number];

export interface EventSource {
  licenseId: number;
  organizationId: string;
  /** Client id of the call that caused the change (null: PAT or system). */
  clientId: string | null;
}

export function sourceOf(caller: Caller): EventSource {
  return { licenseId: caller.licenseId, organizationId: caller.organizationId, clientId: caller.clientId };
}

/** Record one event inside `trx`. Call once per changed object (batch calls record one event per item). */
export async function recordEvent(
  trx: Queryable,
  source: EventSource,
  action: ConfigurationAction,
  payload: unknown,
): Promise<void> {
  const seq = await nextCounter(trx, `events:${source.licenseId}`);
  await trx
    .insertInto('webhook_events')
    .values({
      id: uuid(),
      seq,
      license_id: source.licenseId,
      organization_id: source.organizationId,
      action,
      payload: JSON.stringify(payload),
      source_client_id: source.clientId,
      created_at: nowIso(),
    })
    .execute();
}
