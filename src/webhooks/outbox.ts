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
import { preparedPgText, preparedQuery } from '../store/prepared-query.js';
import type { Tx } from '../store/transaction.js';
import type { Caller } from '../kernel/registry.js';
import type { EventSource } from '../kernel/area.js';
import { uuid } from '../kernel/crypto.js';
import { installedClientIds } from '../tenancy/applications.js';
import { contractPayload, type ConfigurationAction, type SourceType } from './catalog.js';
import { formatOf, type Requester, type VersionEvent, type WebhookFormat } from './formats.js';

export { CONFIGURATION_ACTIONS, type ConfigurationAction } from './catalog.js';

export type { EventSource };

export function sourceOf(caller: Caller): EventSource {
  return {
    licenseId: caller.licenseId,
    organizationId: caller.organizationId,
    clientId: caller.clientId,
    requester: { userId: caller.agentId, accountId: caller.accountId, clientId: caller.clientId },
  };
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
  9,
  (
    db,
    id: string,
    seq: number,
    licenseId: number,
    organizationId: string,
    action: string,
    payload: string,
    sourceClientId: string | null,
    requester: string | null,
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
      requester,
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
 * The enabled licence webhooks (every action) of every application installed on the licence (tenancy's
 * `installedClientIds`), oldest first. Every action's: which of them an event reaches depends on the version each
 * was registered through (a v3.4 webhook of `auto_access_added` hears of `auto_accesses_updated`), so the match is
 * made on the rows, and a licence without webhooks costs an event no formatting at all.
 */
const selectTargetsQuery = (db: Queryable, licenseId: number) =>
  db
    .selectFrom('webhooks as w')
    .leftJoin('webhook_license_states as s', (j) => j.onRef('s.client_id', '=', 'w.owner_client_id').on('s.license_id', '=', licenseId))
    .select(['w.id', 'w.owner_client_id', 'w.filters', 'w.version', 'w.action'])
    .where('w.owner_client_id', 'in', installedClientIds(db, licenseId))
    .where('w.type', '=', 'license')
    .where((eb) => eb.or([eb('s.enabled', 'is', null), eb('s.enabled', '=', 1)]))
    .orderBy('w.created_at')
    .orderBy('w.id'); // the same order for webhooks created in the same millisecond
const selectTargets = preparedQuery(1, selectTargetsQuery);
const targetsText = preparedPgText(1, selectTargetsQuery);

const targetsKey = (licenseId: number) => `webhook-targets:${licenseId}`;

/**
 * PostgreSQL: the webhook-target lookup of `licenseId` as a statement without parameters, and what takes its rows for
 * the transaction's events: the core runs it in the licence lock's round trip for transactions that remember lookups
 * (`Tx.memo`: batch calls and the single calls of batchable actions, which never change subscriptions), so their
 * events need no lookup of their own while the lock is held.
 */
export function webhookTargetsInline(db: Queryable, licenseId: number): { sql: string; take(tx: Tx, rows: unknown[]): void } {
  return {
    sql: targetsText(db, licenseId),
    take: (tx, rows) => tx.remember(targetsKey(licenseId), rows),
  };
}

/** `requester` as v3.6 deliveries show it (the samples' order), or null when no caller acted. */
function requesterJson(source: EventSource): string | null {
  const r = source.requester;
  if (!r) return null;
  const requester: Requester = { user_id: r.userId, account_id: r.accountId, ...(r.clientId === null ? {} : { client_id: r.clientId }) };
  return JSON.stringify(requester);
}

/** One event row to store: its action, payload and requester as some version's webhooks receive it. */
interface EventRow {
  action: string;
  payload: string;
  requester: string | null;
  webhookIds: string[];
}

/**
 * Record one event inside `tx` (when a webhook wants it, or always in `all` mode). Call once per changed object
 * (batch calls record one event per item), with the base (v3.5) action and payload.
 * The stored payload keeps only the fields clients expect for the action (catalog.ts `PAYLOAD_CONTRACTS`). Each
 * webhook receives the event in the format of the version it was registered through (formats.ts): one row is stored
 * per distinct form that some matching webhook receives (v3.5's and v3.6's forms differ only by `requester`; a v3.4
 * change of several auto access rules is one row per rule), each delivered to the webhooks that receive that form.
 */
export async function recordEvent(
  tx: Tx,
  source: EventSource,
  action: ConfigurationAction,
  payload: unknown,
): Promise<void> {
  // Within a batch call (one transaction) the subscriptions are looked up once per licence.
  const targets = await tx.memo(targetsKey(source.licenseId), async () => (await selectTargets(tx.db, source.licenseId)).rows);
  const logAll = tx.settings.eventLog === 'all';
  if (targets.length === 0 && !logAll) return; // nobody hears of it: no payload, no format, no row
  const formats = tx.settings.webhookFormats;
  const base = contractPayload(action, payload);
  // Each version's events for this one, computed for the versions some webhook was registered through.
  const forms = new Map<string, { format: WebhookFormat; events: readonly VersionEvent[] }>();
  const formFor = (version: string) => {
    let form = forms.get(version);
    if (!form) {
      const format = formatOf(formats, version);
      form = { format, events: format.events(action, base) };
      forms.set(version, form);
    }
    return form;
  };
  // The names of this event in every version (this one's first), and the webhooks of each name in that order, each
  // name's oldest first: deliveries (and the rows' order) as one lookup per name gave them.
  const names = [...new Set([action, ...[...(formats?.keys() ?? [])].flatMap((v) => formFor(v).events.map((e) => e.action))])];
  const byName = names.map((name) => targets.filter((t) => t.action === name)).flat();
  const rows = new Map<string, EventRow>();
  let requester: { json: string | null } | undefined; // computed for the first row that carries it
  const rowFor = (e: VersionEvent, withRequester: boolean) => {
    if (withRequester) requester ??= { json: requesterJson(source) };
    const row = { action: e.action, payload: JSON.stringify(e.payload), requester: withRequester ? requester!.json : null, webhookIds: [] };
    const key = JSON.stringify([row.action, row.payload, row.requester]);
    if (!rows.has(key)) rows.set(key, row);
    return rows.get(key)!;
  };
  if (logAll) rowFor({ action, payload: base }, false);
  for (const t of byName) {
    if (!filtersMatch(t.filters, source.clientId, t.owner_client_id)) continue;
    const { format, events } = formFor(t.version);
    for (const e of events) if (e.action === t.action) rowFor(e, format.requester).webhookIds.push(t.id);
  }
  if (rows.size === 0) return;
  for (const row of rows.values()) await storeEvent(tx, source, row);
}

/** One event row and its deliveries (one per webhook receiving it, in the order of their registration). */
async function storeEvent(tx: Tx, source: EventSource, row: EventRow): Promise<void> {
  const seq = await nextCounter(tx.db, `events:${source.licenseId}`);
  const id = uuid();
  const now = nowIso();
  await insertEvent(tx.db, id, seq, source.licenseId, source.organizationId, row.action, row.payload, source.clientId, row.requester, now);
  if (row.webhookIds.length === 0) return;
  await tx.db
    .insertInto('webhook_deliveries')
    .values(
      row.webhookIds.map((webhookId) => ({
        id: uuid(),
        webhook_id: webhookId,
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
