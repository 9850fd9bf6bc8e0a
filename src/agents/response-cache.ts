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

interface Entry {
  token: string;
  json: RawJson;
}

class ResponseCache {
  private readonly entries = new Map<string, Entry>();
  private bytes = 0;
  constructor(private readonly limits: CacheLimits) {}

  get(key: string, token: string): RawJson | undefined {
    const e = this.entries.get(key);
    if (!e) return undefined;
    if (e.token === token) return e.json;
    this.drop(key, e);
    return undefined;
  }

  set(key: string, token: string, value: unknown): RawJson {
    const json = new RawJson(Buffer.from(JSON.stringify(value), 'utf8'));
    const old = this.entries.get(key);
    if (old) this.drop(key, old);
    if (json.body.length > this.limits.bytes) return json;
    while (this.entries.size >= this.limits.entries || this.bytes + json.body.length > this.limits.bytes) {
      const [k, e] = this.entries.entries().next().value!;
      this.drop(k, e);
    }
    this.entries.set(key, { token, json });
    this.bytes += json.body.length;
    return json;
  }

  private drop(key: string, e: Entry): void {
    this.entries.delete(key);
    this.bytes -= e.json.body.length;
  }
}

const caches = new WeakMap<Store, Map<string, ResponseCache>>();

/**
 * The cached answer for `key` in the cache `name`, or `compute()` serialised (and cached when the store supports
 * it). The change token is read before computing, so a write that lands meanwhile makes the entry stale, never wrong.
 * Errors thrown by `compute` are not cached.
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
  return cache.set(key, token, await compute());
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
