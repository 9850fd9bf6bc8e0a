/**
 * Serialised list_agents answers, reused while the database is unchanged. Only where the store can tell cheaply and
 * exactly that nothing changed (`Store.changeToken`: SQLite, where every write of this process and every commit of
 * another connection changes the token); on PostgreSQL nothing is cached. Entries are per store and per licence +
 * normalised request, bounded in count and bytes.
 */
import { RawJson } from '../api/server.js';
import type { Store } from '../store/db.js';

const MAX_ENTRIES = 64;
const MAX_BYTES = 64 * 1024 * 1024;

interface Entry {
  token: string;
  json: RawJson;
}

class ResponseCache {
  private readonly entries = new Map<string, Entry>();
  private bytes = 0;

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
    if (json.body.length > MAX_BYTES) return json;
    while (this.entries.size >= MAX_ENTRIES || this.bytes + json.body.length > MAX_BYTES) {
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

const caches = new WeakMap<Store, ResponseCache>();

/**
 * The cached answer for `key`, or `compute()` serialised (and cached when the store supports it). The change token
 * is read before computing, so a write that lands meanwhile makes the entry stale rather than wrong.
 */
export async function cachedJson(store: Store, key: string, compute: () => Promise<unknown>): Promise<unknown> {
  const token = store.changeToken?.();
  if (token === undefined) return compute();
  let cache = caches.get(store);
  if (!cache) caches.set(store, (cache = new ResponseCache()));
  const hit = cache.get(key, token);
  if (hit) return hit;
  return cache.set(key, token, await compute());
}
