/**
 * Rate-limit counters in PostgreSQL (owner of `rate_limit_counters`, migration 0015), shared by every node of the
 * database: a cluster lets at most RATE_LIMIT_MAX requests per key and window through, whichever nodes answer them.
 *
 * Requests are counted in blocks claimed from the shared counter (one upsert, after rate-limiter-flexible's
 * RateLimiterPostgres: it starts or advances the key's window on the database's clock and grants at most what is left
 * of `max`), then spent in memory: a block is a tenth of what is left, at most BLOCK_MAX and at least one, so a busy key
 * costs one statement per BLOCK_MAX requests, and near the limit every request claims its own (exact). The claims of
 * all nodes never exceed `max`; tokens a node claimed and did not spend before the window ended are lost (fewer
 * requests pass, never more: at most BLOCK_MAX per node and window, less as the limit nears). A key whose window is
 * used up is refused from memory until the window ends. Concurrent requests of a key on one node share one claim.
 */
import { sql } from 'kysely';
import type { Db } from '../store/store.js';
import type { RateCount, RateCounters } from './rate-counters.js';
import { Poller, type ReportError } from './poller.js';

export interface RateLimitCountersTable {
  key: string;
  /** Requests granted to the nodes in the current window. */
  hits: number;
  /** What the last claim was granted (read back by that claim). */
  granted: number;
  window_ends: Date;
}

declare module '../store/schema.js' {
  interface Database {
    rate_limit_counters: RateLimitCountersTable;
  }
}

/** Largest block a node claims at once. */
export const BLOCK_MAX = 50;
/** A block is at most this share of what is left of the window's `max`. */
const BLOCK_SHARE = 10;
/** How often rows whose window has ended are deleted. */
const PRUNE_MS = 5 * 60_000;
/** Keys tracked before ended windows are swept. */
const SWEEP_AT = 10_000;

/** What this node holds of a key's current window. */
interface Lease {
  /** Local clock: when the window ends (from the database's answer, counted from before the claim was sent). */
  endsAt: number;
  /** Requests granted to the cluster in the window as of the last claim (this node's block included). */
  hits: number;
  /** Of this node's block, not spent yet. */
  tokens: number;
  /** The window is used up: refused until it ends. */
  exhausted: boolean;
}

export class PgRateCounters implements RateCounters {
  private readonly leases = new Map<string, Lease>();
  private readonly claims = new Map<string, Promise<void>>();
  private readonly prune: Poller;

  constructor(
    private readonly db: Db,
    report: ReportError,
  ) {
    this.prune = new Poller('deleting ended rate-limit windows', PRUNE_MS, () => this.deleteEnded(), report).start();
  }

  async hit(key: string, windowMs: number, max: number): Promise<RateCount> {
    // After a claim its lease is used even if its window has just ended (a very short window): it was open when granted.
    for (let claimed = false; ; claimed = true) {
      const now = Date.now();
      const lease = this.leases.get(key);
      if (lease && (claimed || lease.endsAt > now)) {
        const resetInMs = Math.max(0, lease.endsAt - now);
        if (lease.tokens > 0) {
          lease.tokens--;
          return { count: lease.hits - lease.tokens, resetInMs };
        }
        if (lease.exhausted) return { count: max + 1, resetInMs };
      }
      let claim = this.claims.get(key);
      if (!claim) {
        claim = this.claim(key, windowMs, max, lease && lease.endsAt > now ? lease : undefined).finally(() => this.claims.delete(key));
        this.claims.set(key, claim);
      }
      await claim;
    }
  }

  async close(): Promise<void> {
    await this.prune.stop();
  }

  /** Claim a block of the key's window (one upsert) and make it this node's lease. */
  private async claim(key: string, windowMs: number, max: number, current: Lease | undefined): Promise<void> {
    const left = current ? Math.max(0, max - current.hits) : max;
    const want = Math.max(1, Math.min(BLOCK_MAX, Math.floor(left / BLOCK_SHARE)));
    const sent = Date.now();
    const { rows } = await sql<{ hits: number; granted: number; reset_ms: number }>`
      INSERT INTO rate_limit_counters AS c (key, hits, granted, window_ends)
      VALUES (${key}, least(${want}::integer, ${max}::integer), least(${want}::integer, ${max}::integer),
              now() + ${windowMs}::integer * interval '1 millisecond')
      ON CONFLICT (key) DO UPDATE SET
        hits = CASE WHEN c.window_ends <= now() THEN excluded.hits ELSE c.hits + least(excluded.granted, greatest(${max}::integer - c.hits, 0)) END,
        granted = CASE WHEN c.window_ends <= now() THEN excluded.granted ELSE least(excluded.granted, greatest(${max}::integer - c.hits, 0)) END,
        window_ends = CASE WHEN c.window_ends <= now() THEN excluded.window_ends ELSE c.window_ends END
      RETURNING hits, granted, ceil(extract(epoch FROM window_ends - now()) * 1000)::integer AS reset_ms`.execute(this.db);
    const row = rows[0]!;
    if (this.leases.size >= SWEEP_AT) this.sweep();
    this.leases.set(key, { endsAt: sent + Math.max(0, row.reset_ms), hits: row.hits, tokens: row.granted, exhausted: row.granted === 0 });
  }

  private sweep(): void {
    const now = Date.now();
    for (const [key, lease] of this.leases) if (lease.endsAt <= now) this.leases.delete(key);
  }

  private async deleteEnded(): Promise<void> {
    await sql`DELETE FROM rate_limit_counters WHERE window_ends <= now()`.execute(this.db);
  }
}
