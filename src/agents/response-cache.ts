/**
 * Serialised read answers (get_agent, list_agents), reused while the database is unchanged. Only where the store can
 * tell cheaply and exactly that nothing changed (`Store.changeToken`: SQLite, where every write of this process and
 * every commit of another connection changes the token); on PostgreSQL nothing is cached. Entries are per store,
 * per cache (action) and per licence + normalised request, bounded in count and bytes.
 */
import { RawJson } from '../api/server.js';
import type { Store } from '../store/db.js';

export interface CacheLimits {
  entries: number;
  bytes: number;
}

/**
 * Entries of one token only: the change token never returns to an earlier value, so when it moves every entry is
 * stale and all are dropped at once (memory is not held by answers that can never be served again).
 */
class ResponseCache {
  private readonly entries = new Map<string, RawJson>();
  private token: string | undefined;
  private bytes = 0;
  constructor(private readonly limits: CacheLimits) {}

  get(key: string, token: string): RawJson | undefined {
    if (token !== this.token) {
      this.entries.clear();
      this.bytes = 0;
      this.token = token;
      return undefined;
    }
    return this.entries.get(key);
  }

  /** Keep `json` for `key`, computed from the database as it was at `token` (the current token). */
  set(key: string, token: string, json: RawJson): void {
    if (token !== this.token) this.get(key, token); // adopt the newer token, dropping the older entries
    const old = this.entries.get(key);
    if (old) {
      this.entries.delete(key);
      this.bytes -= old.body.length;
    }
    if (json.body.length > this.limits.bytes) return;
    while (this.entries.size >= this.limits.entries || this.bytes + json.body.length > this.limits.bytes) {
      const [k, e] = this.entries.entries().next().value!;
      this.entries.delete(k);
      this.bytes -= e.body.length;
    }
    this.entries.set(key, json);
    this.bytes += json.body.length;
  }
}

const caches = new WeakMap<Store, Map<string, ResponseCache>>();

/**
 * The cached answer for `key` in the cache `name`, or `compute()` serialised (and cached when the store supports
 * it). The answer is kept only when the change token is the same before and after computing it, i.e. nothing was
 * written meanwhile, so a kept answer always matches the database at its token. Errors are not cached.
 */
export async function cachedJson(
  store: Store,
  name: string,
  limits: CacheLimits,
  key: string,
  compute: () => Promise<unknown>,
): Promise<unknown> {
  const token = store.changeToken?.();
  if (token === undefined) return compute();
  let byName = caches.get(store);
  if (!byName) caches.set(store, (byName = new Map()));
  let cache = byName.get(name);
  if (!cache) byName.set(name, (cache = new ResponseCache(limits)));
  const hit = cache.get(key, token);
  if (hit) return hit;
  const json = new RawJson(Buffer.from(JSON.stringify(await compute()), 'utf8'));
  if (store.changeToken!() === token) cache.set(key, token, json);
  return json;
}

/**
 * At most `max` calls of the returned runner execute at once; the others wait in arrival order. Bounds the memory
 * of answers that materialise thousands of rows (list_agents) when many arrive together: each in-flight one holds
 * its rows, views and JSON text, while running them all at once is no faster on a single event loop.
 */
export function concurrencyLimit(max: number): <T>(fn: () => Promise<T>) => Promise<T> {
  let active = 0;
  const waiting: Array<() => void> = [];
  return async (fn) => {
    if (active < max) active++;
    else await new Promise<void>((resolve) => waiting.push(resolve)); // the releasing call hands its slot over
    try {
      return await fn();
    } finally {
      const next = waiting.shift();
      if (next) next();
      else active--;
    }
  };
}
