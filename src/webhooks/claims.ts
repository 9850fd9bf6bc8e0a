/**
 * The delivery queue's SQL, as the worker (worker.ts) runs it outside any API transaction:
 * - claim: one UPDATE over a `FOR UPDATE SKIP LOCKED` sub-select on PostgreSQL (a single statement on SQLite, which
 *   has one writer), so each claim goes to exactly one process; the claim takes a lease and counts an attempt;
 * - order: only the oldest pending delivery of each (webhook, licence) stream can be claimed, so one webhook
 *   receives one licence's events in event order;
 * - release (a claim given back without spending its attempt), the attempt's row, and the delivery's outcome, each
 *   written only while this worker still holds the claim.
 */
import { sql } from 'kysely';
import { randomHexId } from '../kernel/crypto.js';
import { nowIso, type Dialect, type Queryable } from '../store/store.js';
import type { WebhookDeliveriesTable } from './tables.js';

/** What the worker keeps of a claimed delivery. */
export type Claimed = Pick<
  WebhookDeliveriesTable,
  'id' | 'webhook_id' | 'event_id' | 'license_id' | 'attempts' | 'created_at' | 'retried_at'
>;

export interface ClaimRequest {
  /** The claiming worker (the lease owner). */
  worker: string;
  limit: number;
  /** Webhooks already at their concurrency in this worker: none of their deliveries is claimed. */
  busyWebhooks: readonly string[];
  leaseMs: number;
}

/** Claim up to `limit` due deliveries (attempts + 1, a lease until now + `leaseMs`). */
export async function claimDue(db: Queryable, dialect: Dialect, r: ClaimRequest): Promise<Claimed[]> {
  const now = nowIso();
  let due = db
    .selectFrom('webhook_deliveries as d')
    .select('d.id')
    .where('d.status', '=', 'pending')
    .where('d.next_attempt_at', '<=', now)
    .where((eb) => eb.or([eb('d.lease_until', 'is', null), eb('d.lease_until', '<', now)]))
    .where((eb) =>
      eb.not(
        eb.exists(
          eb
            .selectFrom('webhook_deliveries as e')
            .select('e.id')
            .whereRef('e.webhook_id', '=', 'd.webhook_id')
            .whereRef('e.license_id', '=', 'd.license_id')
            .where('e.status', '=', 'pending')
            .whereRef('e.event_seq', '<', 'd.event_seq'),
        ),
      ),
    )
    .orderBy('d.next_attempt_at')
    .orderBy('d.event_seq')
    .limit(r.limit);
  if (r.busyWebhooks.length) due = due.where('d.webhook_id', 'not in', r.busyWebhooks as string[]);
  if (dialect === 'postgres') due = due.forUpdate().skipLocked();
  // A MATERIALIZED CTE evaluates the locking LIMIT query exactly once (an `IN (subquery)` may be re-evaluated by
  // PostgreSQL's planner and claim more than `limit` rows).
  return db
    .with((wb) => wb('due').materialized(), () => due)
    .updateTable('webhook_deliveries')
    .set({
      lease_owner: r.worker,
      lease_until: new Date(Date.now() + r.leaseMs).toISOString(),
      attempts: sql<number>`attempts + 1`,
      updated_at: now,
    })
    .where('id', 'in', (eb) => eb.selectFrom('due').select('due.id'))
    .where('status', '=', 'pending')
    .returning(['id', 'webhook_id', 'event_id', 'license_id', 'attempts', 'created_at', 'retried_at'])
    .execute();
}

/** Give claims back without spending an attempt (beyond a webhook's concurrency, or interrupted by a stop). */
export async function releaseClaims(db: Queryable, worker: string, claims: ReadonlyArray<Pick<Claimed, 'id' | 'license_id'>>): Promise<void> {
  await db
    .updateTable('webhook_deliveries')
    .set({ lease_owner: null, lease_until: null, attempts: sql<number>`attempts - 1`, updated_at: nowIso() })
    // By the whole primary key, one seek each (SQLite's planner, without statistics, would take the status index for
    // an `id IN (…)` list, which is no longer a unique match since the key includes the licence).
    .where((eb) => eb.or(claims.map((c) => eb.and([eb('id', '=', c.id), eb('license_id', '=', c.license_id)]))))
    .where('lease_owner', '=', worker)
    .where('status', '=', 'pending')
    .execute();
}

/**
 * Give back every claim `worker` holds except `inflight` (claims whose answer a database outage lost: committed, but
 * never received, so nothing was sent); returns how many.
 */
export async function releaseOrphanClaims(db: Queryable, worker: string, inflight: readonly string[]): Promise<number> {
  let q = db
    .updateTable('webhook_deliveries')
    .set({ lease_owner: null, lease_until: null, attempts: sql<number>`attempts - 1`, updated_at: nowIso() })
    .where('lease_owner', '=', worker)
    .where('status', '=', 'pending');
  if (inflight.length) q = q.where('id', 'not in', inflight as string[]);
  const { numUpdatedRows } = await q.executeTakeFirst();
  return Number(numUpdatedRows);
}

/** The claimed deliveries' webhooks and events (one query each), by id; unregistered webhooks are absent. */
export async function sendingData(db: Queryable, claimed: readonly Claimed[]) {
  const [webhooks, events] = await Promise.all([
    db
      .selectFrom('webhooks')
      .select(['id', 'url', 'secret_key'])
      .where('id', 'in', [...new Set(claimed.map((c) => c.webhook_id))])
      .execute(),
    db
      .selectFrom('webhook_events')
      .select(['id', 'action', 'organization_id', 'payload', 'requester'])
      .where('id', 'in', [...new Set(claimed.map((c) => c.event_id))])
      .execute(),
  ]);
  return { webhooks: new Map(webhooks.map((w) => [w.id, w])), events: new Map(events.map((e) => [e.id, e])) };
}

/** What a sent attempt answered, for its row in the delivery's history. */
export interface AttemptRecord {
  status: number | null;
  error: string | null;
  /** When the POST started (epoch ms). */
  started: number;
  /** How long it took (ms). */
  durationMs: number;
}

/**
 * Write a claimed delivery's outcome (delivered, failed, cancelled, or pending again), while `worker` holds it, and
 * the attempt's row in the delivery's history (what was answered, when, how fast) when one was sent. On PostgreSQL one
 * statement (the history row inserted by a data-modifying CTE): one round trip and one commit instead of two on the
 * path between a stream's deliveries; on SQLite, which has neither round trips nor flushes per commit here, the two
 * statements in one transaction.
 */
export async function settleClaim(
  db: Queryable,
  dialect: Dialect,
  worker: string,
  d: Claimed,
  set: Partial<WebhookDeliveriesTable>,
  attempt?: AttemptRecord,
): Promise<void> {
  const row = attempt && {
    id: randomHexId(12),
    delivery_id: d.id,
    license_id: d.license_id,
    attempt: d.attempts,
    started_at: new Date(attempt.started).toISOString(),
    duration_ms: attempt.durationMs,
    status: attempt.status,
    error: attempt.error,
    worker,
  };
  if (row && dialect === 'postgres') {
    await db
      .with('attempt', (q) => q.insertInto('webhook_delivery_attempts').values(row))
      .updateTable('webhook_deliveries')
      .set(set)
      .where('id', '=', d.id)
      .where('lease_owner', '=', worker)
      .where('status', '=', 'pending')
      .execute();
    return;
  }
  const settle = (q: Queryable) =>
    q.updateTable('webhook_deliveries').set(set).where('id', '=', d.id).where('lease_owner', '=', worker).where('status', '=', 'pending').execute();
  if (!row) await settle(db);
  else {
    await db.transaction().execute(async (trx) => {
      await trx.insertInto('webhook_delivery_attempts').values(row).execute();
      await settle(trx);
    });
  }
}
