/**
 * Serialised read answers (get_agent, list_agents), reused while what they were computed from is unchanged. Only
 * where the store can tell exactly that nothing changed:
 * - SQLite: `Store.changeToken`, database-wide, free to read (every write of this process and every commit of
 *   another connection changes it).
 * - PostgreSQL, for caches that opt in (`postgres: true`): the licence's `agents_version`, bumped by triggers in the
 *   same transaction as any change to its agents or memberships, whoever writes (migration 0007). Reading it costs
 *   a round trip, so only answers much dearer than that opt in (list_agents; get_agent's lookup is one round trip
 *   itself, so it is not cached there).
 * Entries are per store, per cache (action) and per licence + normalised request, bounded in count and bytes.
 */
import { RawJson } from '../kernel/raw-json.js';
import { preparedQuery, type Store } from '../store/db.js';

export interface CacheLimits {
  entries: number;
  bytes: number;
}

export interface CacheSpec {
  /** One cache per name (the action). */
  name: string;
  limits: CacheLimits;
  /** Also cache on PostgreSQL (one extra round trip per request to read the licence's agents_version). */
  postgres: boolean;
}

interface Entry {
  token: string;
  json: RawJson;
}

class ResponseCache {
  private readonly entries = new Map<string, Entry>();
  private bytes = 0;
  private databaseToken: string | undefined;
  constructor(private readonly limits: CacheLimits) {}

  /**
   * A database-wide token (SQLite) never returns to an earlier value: when it moves, every entry is stale and all
   * are dropped at once (memory is not held by answers that can never be served again).
   */
  adoptDatabaseToken(token: string): void {
    if (token === this.databaseToken) return;
    this.entries.clear();
    this.bytes = 0;
    this.databaseToken = token;
  }

  get(key: string, token: string): RawJson | undefined {
    const e = this.entries.get(key);
    if (!e) return undefined;
    if (e.token === token) return e.json;
    this.drop(key, e); // computed at an older version: never valid again
    return undefined;
  }

  /** Keep `json` for `key`, computed from the data as it was at `token`. */
  set(key: string, token: string, json: RawJson): void {
    const old = this.entries.get(key);
    if (old) this.drop(key, old);
    if (json.body.length > this.limits.bytes) return;
    while (this.entries.size >= this.limits.entries || this.bytes + json.body.length > this.limits.bytes) {
      const [k, e] = this.entries.entries().next().value!;
      this.drop(k, e);
    }
    this.entries.set(key, { token, json });
    this.bytes += json.body.length;
  }

  private drop(key: string, e: Entry): void {
    this.entries.delete(key);
    this.bytes -= e.json.body.length;
  }
}

const caches = new WeakMap<Store, Map<string, ResponseCache>>();

function cacheOf(store: Store, spec: CacheSpec): ResponseCache {
  let byName = caches.get(store);
  if (!byName) caches.set(store, (byName = new Map()));
  let cache = byName.get(spec.name);
  if (!cache) byName.set(spec.name, (cache = new ResponseCache(spec.limits)));
  return cache;
}

const selectAgentsVersion = preparedQuery(1, (db, licenseId: number) =>
  db.selectFrom('licenses').select('agents_version').where('id', '=', licenseId),
);

async function agentsVersion(store: Store, licenseId: number): Promise<string | undefined> {
  const row = (await selectAgentsVersion(store.db, licenseId)).rows[0];
  return row === undefined ? undefined : String(row.agents_version);
}

const serialise = (value: unknown): RawJson =>
  value instanceof RawJson ? value : new RawJson(Buffer.from(JSON.stringify(value), 'utf8'));

/**
 * The cached answer for `key` (which must include the licence) in the cache `spec`, or `compute()` serialised (or
 * as is, when it built its JSON text itself: a RawJson), and
 * cached when the store supports it. The answer is kept only when the token read before computing is still the
 * token afterwards, i.e. nothing it depends on was committed meanwhile, so a kept answer always matches the data at
 * its token (on PostgreSQL every statement in between saw the same committed state). Errors are not cached.
 */
export async function cachedJson(
  store: Store,
  spec: CacheSpec,
  licenseId: number,
  key: string,
  compute: () => Promise<unknown>,
): Promise<unknown> {
  // SQLite's token is read synchronously; the licence version (PostgreSQL) only when this cache opts in.
  const token = store.changeToken?.() ?? (spec.postgres ? await agentsVersion(store, licenseId) : undefined);
  if (token === undefined) return compute();
  const cache = cacheOf(store, spec);
  if (store.changeToken) cache.adoptDatabaseToken(token);
  const hit = cache.get(key, token);
  if (hit) return hit;
  const json = serialise(await compute());
  const after = store.changeToken?.() ?? (await agentsVersion(store, licenseId));
  if (after === token) cache.set(key, token, json);
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
