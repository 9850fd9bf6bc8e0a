/**
 * Failed authentications counted in PostgreSQL (owner of `auth_failures`, migration 0015), so a cluster enforces
 * AUTH_FAILURE_LIMIT as one server: each failure is one upsert (a fixed window per address, on the database's clock);
 * the addresses over the limit are kept in memory for the per-request check, from this node's own counts at once and
 * from the other nodes' by reading the blocked addresses every SHARED_POLL_MS (an index range over open windows,
 * usually empty). Expired windows are deleted now and then.
 */
import { sql } from 'kysely';
import type { AuthFailureConfig } from '../config.js';
import type { Db } from '../store/store.js';
import type { AuthFailures } from './auth-failures.js';
import { Poller, SHARED_POLL_MS, type ReportError } from './poller.js';

export interface AuthFailuresTable {
  address: string;
  failures: number;
  window_ends: Date;
}

declare module '../store/schema.js' {
  interface Database {
    auth_failures: AuthFailuresTable;
  }
}

/** How often expired windows are deleted (by every node; a delete finding nothing costs an index probe). */
const PRUNE_MS = 60_000;

/** Milliseconds from the database's now to `window_ends`. */
const LEFT_MS = sql<number>`ceil(extract(epoch FROM window_ends - now()) * 1000)::integer`;

interface Block {
  /** Local clock. */
  until: number;
  /** When this node learnt it (local clock). */
  at: number;
}

export class PgAuthFailures implements AuthFailures {
  private blocked = new Map<string, Block>();
  private readonly poll: Poller;
  private readonly prune: Poller;

  constructor(
    private readonly db: Db,
    private readonly opts: AuthFailureConfig,
    report: ReportError,
  ) {
    this.poll = new Poller('reading blocked addresses', SHARED_POLL_MS, () => this.readBlocked(), report).start();
    this.prune = new Poller('deleting expired failure windows', PRUNE_MS, () => this.deleteExpired(), report).start();
  }

  anyBlocked(): boolean {
    return this.blocked.size > 0;
  }

  blockedFor(address: string): number {
    const b = this.blocked.get(address);
    if (!b) return 0;
    const left = b.until - Date.now();
    if (left > 0) return left;
    this.blocked.delete(address);
    return 0;
  }

  async fail(address: string): Promise<number> {
    const { rows } = await sql<{ failures: number; left_ms: number }>`
      INSERT INTO auth_failures AS f (address, failures, window_ends)
      VALUES (${address}, 1, now() + ${this.opts.windowMs}::integer * interval '1 millisecond')
      ON CONFLICT (address) DO UPDATE SET
        failures = CASE WHEN f.window_ends <= now() THEN 1 ELSE f.failures + 1 END,
        window_ends = CASE WHEN f.window_ends <= now() THEN excluded.window_ends ELSE f.window_ends END
      RETURNING failures, ${LEFT_MS} AS left_ms`.execute(this.db);
    const row = rows[0]!;
    if (row.failures < this.opts.limit) return 0;
    const now = Date.now();
    this.blocked.set(address, { until: now + row.left_ms, at: now });
    return row.failures > this.opts.limit ? row.left_ms : 0;
  }

  async close(): Promise<void> {
    await Promise.all([this.poll.stop(), this.prune.stop()]);
  }

  /** Every address over the limit, whichever node counted it (blocks this node learnt meanwhile are kept). */
  private async readBlocked(): Promise<void> {
    const started = Date.now();
    const { rows } = await sql<{ address: string; left_ms: number }>`
      SELECT address, ${LEFT_MS} AS left_ms FROM auth_failures
       WHERE window_ends > now() AND failures >= ${this.opts.limit}`.execute(this.db);
    const now = Date.now();
    const next = new Map<string, Block>(rows.map((r) => [r.address, { until: now + r.left_ms, at: now }]));
    for (const [address, b] of this.blocked) if (b.at >= started && !next.has(address)) next.set(address, b);
    this.blocked = next;
  }

  private async deleteExpired(): Promise<void> {
    await sql`DELETE FROM auth_failures WHERE window_ends <= now()`.execute(this.db);
  }
}
