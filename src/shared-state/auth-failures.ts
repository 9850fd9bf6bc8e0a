/**
 * Failed authentications per client address (AUTH_FAILURE_LIMIT within AUTH_FAILURE_WINDOW_MS, the window counted
 * from the address's first failure): after `limit` failures the address is blocked until its window ends.
 *
 * The check runs on every request, so it is answered from memory (`blockedFor`); failures, which are rare, are counted
 * where every node sees them (`fail`). `MemoryAuthFailures`: one process (SQLite). `PgAuthFailures`
 * (pg-auth-failures.ts): counted in PostgreSQL, blocks known to every node within a poll.
 */
import type { AuthFailureConfig } from '../config.js';

export interface AuthFailures {
  /** Milliseconds left of the address's block as this node knows it, 0 when it is not blocked (no I/O). */
  blockedFor(address: string): number;
  /** Whether any address may be blocked (false: `blockedFor` would answer 0 for every address; no I/O). */
  anyBlocked(): boolean;
  /**
   * Count a failed authentication of `address`. Resolves to the milliseconds left of its block when this failure came
   * after the limit was reached (on another node, or concurrently), so the caller answers it as blocked; 0 otherwise.
   */
  fail(address: string): Promise<number>;
  close(): Promise<void>;
}

interface Window {
  failures: number;
  endsAt: number;
}

/** Addresses tracked before expired windows are swept (and, past twice as many, forgotten). */
const SWEEP_AT = 10_000;

/** The failures of this process, in memory. */
export class MemoryAuthFailures implements AuthFailures {
  private readonly windows = new Map<string, Window>();

  constructor(private readonly opts: AuthFailureConfig) {}

  anyBlocked(): boolean {
    return this.windows.size > 0;
  }

  blockedFor(address: string): number {
    const w = this.windows.get(address);
    if (!w || w.failures < this.opts.limit) return 0;
    const left = w.endsAt - Date.now();
    if (left > 0) return left;
    this.windows.delete(address);
    return 0;
  }

  async fail(address: string): Promise<number> {
    const now = Date.now();
    let w = this.windows.get(address);
    if (!w || w.endsAt <= now) {
      if (this.windows.size >= SWEEP_AT) this.sweep(now);
      w = { failures: 0, endsAt: now + this.opts.windowMs };
      this.windows.set(address, w);
    }
    w.failures++;
    return w.failures > this.opts.limit ? w.endsAt - now : 0;
  }

  async close(): Promise<void> {}

  private sweep(now: number): void {
    for (const [address, w] of this.windows) if (w.endsAt <= now) this.windows.delete(address);
    if (this.windows.size >= 2 * SWEEP_AT) this.windows.clear();
  }
}
