/**
 * Requests per key (a hashed credential, or a client address) in fixed windows, for RATE_LIMIT_MAX. The memory
 * implementation is @fastify/rate-limit's own store (one process, SQLite: as it always was); `PgRateCounters`
 * (pg-rate-counters.ts) counts in PostgreSQL for a cluster.
 */
export interface RateCount {
  /** Requests counted in the key's current window, this one included (above `max`: refused). */
  count: number;
  /** Milliseconds until the window ends. */
  resetInMs: number;
}

export interface RateCounters {
  /**
   * Count one request of `key` against `max` per window; a window of `windowMs` starts with the first request after
   * the last one ended.
   */
  hit(key: string, windowMs: number, max: number): Promise<RateCount>;
  close(): Promise<void>;
}
