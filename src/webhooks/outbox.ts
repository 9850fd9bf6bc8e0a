/**
 * Transactional outbox: configuration events are written in the same transaction as the change they describe,
 * so no subscribed change goes without its event and there is no event without its change. In that same transaction
 * each event is fanned out to the deliveries it needs (one per matching `license` webhook of every application
 * installed on the licence whose licence webhook state is enabled); the delivery worker (worker.ts) sends them
 * afterwards (woken by the commit signal `deliveries-queued`). Events no webhook wants are not stored unless the
 * app's event log mode (WEBHOOK_EVENT_LOG) is `all`.
 */
import { nextCounter } from '../store/own-tables.js';
import { nowIso, type Queryable } from '../store/store.js';
import { preparedQuery } from '../store/prepared-query.js';
import type { Tx } from '../store/transaction.js';
import type { Caller } from '../kernel/registry.js';
import type { EventSource } from '../kernel/area.js';
import { uuid } from '../kernel/crypto.js';
import { installedClientIds } from '../tenancy/applications.js';
import { contractPayload, type ConfigurationAction, type SourceType } from './catalog.js';

export { CONFIGURATION_ACTIONS, type ConfigurationAction } from './catalog.js';

export type { EventSource };

export function sourceOf(caller: Caller): EventSource {
  return { licenseId: caller.licenseId, organizationId: caller.organizationId, clientId: caller.clientId };
}

/**
 * `filters.source_type`: the change was made by the webhook owner's own client id (`my_client`), by another
 * client id (`other_clients`), or without any client id — a PAT, the CLI or the server itself (`system`).
 */
export function sourceTypeOf(sourceClientId: string | null, ownerClientId: string): SourceType {
  if (sourceClientId === null) return 'system';
  return sourceClientId === ownerClientId ? 'my_client' : 'other_clients';
}

export function filtersMatch(filtersJson: string | null, sourceClientId: string | null, ownerClientId: string): boolean {
  if (!filtersJson) return true;
  const filters = JSON.parse(filtersJson) as { source_type?: string[] };
  if (filters.source_type && !filters.source_type.includes(sourceTypeOf(sourceClientId, ownerClientId))) return false;
  return true;
}

const insertEvent = preparedQuery(
  8,
  (
    db,
    id: string,
    seq: number,
    licenseId: number,
    organizationId: string,
    action: string,
    payload: string,
    sourceClientId: string | null,
    createdAt: string,
  ) =>
    db.insertInto('webhook_events').values({
      id,
      seq,
      license_id: licenseId,
      organization_id: organizationId,
      action,
      payload,
      source_client_id: sourceClientId,
      created_at: createdAt,
    }),
);

/**
 * The subscription rule: a licence webhook of an application receives a licence's events when the application is
 * installed on the licence and the licence's webhooks are enabled for it (no state row = enabled). `selectTargets`
 * applies it in one prepared query for new events; `subscriptionOf` answers it for one application (e.g. before a
 * failed delivery is retried).
 */
export async function subscriptionOf(db: Queryable, clientId: string, licenseId: number): Promise<'subscribed' | 'not_installed' | 'disabled'> {
  const row = await db
    .selectNoFrom((eb) => [
      eb(eb.val(clientId), 'in', installedClientIds(db, licenseId)).as('installed'),
      eb
        .selectFrom('webhook_license_states')
        .select('enabled')
        .where('client_id', '=', clientId)
        .where('license_id', '=', licenseId)
        .as('enabled'),
    ])
    .executeTakeFirstOrThrow();
  if (!row.installed) return 'not_installed';
  return row.enabled === 0 ? 'disabled' : 'subscribed';
}

/**
 * The enabled licence webhooks for `action` of every application installed on the licence (tenancy's
 * `installedClientIds`), oldest first.
 */
const selectTargets = preparedQuery(2, (db, licenseId: number, action: string) =>
  db
    .selectFrom('webhooks as w')
    .leftJoin('webhook_license_states as s', (j) => j.onRef('s.client_id', '=', 'w.owner_client_id').on('s.license_id', '=', licenseId))
    .select(['w.id', 'w.owner_client_id', 'w.filters'])
    .where('w.owner_client_id', 'in', installedClientIds(db, licenseId))
    .where('w.action', '=', action)
    .where('w.type', '=', 'license')
    .where((eb) => eb.or([eb('s.enabled', 'is', null), eb('s.enabled', '=', 1)]))
    .orderBy('w.created_at')
    .orderBy('w.id'), // the same order for webhooks created in the same millisecond
);

/**
 * Record one event inside `tx` (when a webhook wants it, or always in `all` mode). Call once per changed object
 * (batch calls record one event per item).
 * The stored payload keeps only the fields clients expect for the action (catalog.ts `PAYLOAD_CONTRACTS`).
 */
export async function recordEvent(
  tx: Tx,
  source: EventSource,
  action: ConfigurationAction,
  payload: unknown,
): Promise<void> {
  // Within a batch call (one transaction) the subscriptions are looked up once per action.
  const targets = await tx.memo(`webhook-targets:${source.licenseId}:${action}`, async () =>
    (await selectTargets(tx.db, source.licenseId, action)).rows,
  );
  const matching = targets.filter((t) => filtersMatch(t.filters, source.clientId, t.owner_client_id));
  if (matching.length === 0 && tx.settings.eventLog !== 'all') return;
  const seq = await nextCounter(tx.db, `events:${source.licenseId}`);
  const id = uuid();
  const now = nowIso();
  await insertEvent(
    tx.db,
    id,
    seq,
    source.licenseId,
    source.organizationId,
    action,
    JSON.stringify(contractPayload(action, payload)),
    source.clientId,
    now,
  );
  if (matching.length === 0) return;
  await tx.db
    .insertInto('webhook_deliveries')
    .values(
      matching.map((t) => ({
        id: uuid(),
        webhook_id: t.id,
        event_id: id,
        license_id: source.licenseId,
        event_seq: seq,
        status: 'pending',
        attempts: 0,
        next_attempt_at: now,
        lease_owner: null,
        lease_until: null,
        last_error: null,
        last_status: null,
        created_at: now,
        retried_at: null,
        updated_at: now,
        delivered_at: null,
      })),
    )
    .execute();
  tx.signal('deliveries-queued');
}
