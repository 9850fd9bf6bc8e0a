/** Test helpers shared by the tags, auto access and other suites: recorded webhook events. */
import type { Harness } from '../helpers.js';

export interface RecordedEvent {
  action: string;
  payload: any;
  source_client_id: string | null;
}

/** Events of one licence recorded after sequence number `after`, oldest first (optionally one action only). */
export async function eventsSince(h: Harness, after: number, action?: string, licenseId = h.boot.license_id): Promise<RecordedEvent[]> {
  let q = h.store.db
    .selectFrom('webhook_events')
    .select(['action', 'payload', 'source_client_id', 'seq'])
    .where('license_id', '=', licenseId)
    .where('seq', '>', after);
  if (action) q = q.where('action', '=', action);
  const rows = await q.orderBy('seq').execute();
  return rows.map((r) => ({ action: r.action, payload: JSON.parse(r.payload), source_client_id: r.source_client_id }));
}

/** The last recorded sequence number of the licence (0 when none). */
export async function lastSeq(h: Harness, licenseId = h.boot.license_id): Promise<number> {
  const row = await h.store.db
    .selectFrom('webhook_events')
    .select((eb) => eb.fn.max('seq').as('seq'))
    .where('license_id', '=', licenseId)
    .executeTakeFirst();
  return Number(row?.seq ?? 0);
}

/** A new group through the API (the owner as its only member); returns its id. */
export async function newGroup(h: Harness, name = 'Group'): Promise<number> {
  const res = await h.ok('create_group', { name, agent_priorities: { [h.boot.owner.id]: 'normal' } });
  return res.id as number;
}
