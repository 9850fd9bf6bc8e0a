/**
 * Serialised read answers (get_agent, list_agents), reused while what they were computed from is unchanged. An
 * action opts in by declaring `cache` (a ReadCacheSpec); dispatch applies it (`ReadCaches.run`). Only where the
 * store can tell exactly that nothing changed:
 * - SQLite: `Store.changeToken`, database-wide (every write of this process and every commit of another connection
 *   changes it), read once per event-loop turn for all the reads that arrived in it.
 * - PostgreSQL: a `ReadFreshness` when the app has one (shared-state/pg-read-freshness.ts: the licence's version as
 *   this process heard it from the database's notifications, trusted after a barrier shared by concurrent reads; no
 *   round trip of the read's own); else, for caches that declare `postgresVersion`, a version of the licence's data
 *   bumped in the same transaction as any change it covers, whoever writes (e.g. `licenses.agents_version`,
 *   migration 0007), read per call (a round trip, so only answers much dearer than that declare it).
 * Entries are per app, per action and per licence + normalised request, bounded in count and bytes. The caches
 * belong to the app that creates a ReadCaches: two apps in one process share nothing.
 */
import { RawJson } from './raw-json.js';
import { atTurnEnd } from './turn-end.js';
import type { Queryable, Store } from '../store/store.js';

export interface CacheLimits {
  entries: number;
  bytes: number;
}

export interface ReadCacheSpec<I> {
  /** The request's identity within its licence: equal keys must get equal answers from equal data. */
  key(input: I): string;
  limits: CacheLimits;
  /** PostgreSQL: the version of the licence's data the answer derives from; absent = not cached on PostgreSQL. */
  postgresVersion?: (db: Queryable, licenseId: number) => Promise<string | undefined>;
  /**
   * PostgreSQL: the answer derives only from what the app's `ReadFreshness` follows (the licence's agents and group
   * memberships): it may be cached on the versions heard, without a read per call. Absent: not.
   */
  heardVersions?: 'agents';
  /**
   * At most this many computations of the answer at once (others wait in arrival order). Bounds the memory of
   * answers that materialise thousands of rows when many arrive together: each in-flight one holds its rows, views
   * and JSON text, while running them all at once is no faster on a single event loop.
   */
  concurrency?: { sqlite: number; postgres: number };
}

/**
 * Where the version of a licence's data comes from on PostgreSQL without reading it per call: `token` once everything
 * committed before the call is known (undefined when that cannot be known now: no caching then), `current` the same
 * version as of now (checked after computing an answer, with no wait: a change heard meanwhile keeps the answer out).
 */
export interface ReadFreshness {
  token(licenseId: number): Promise<string | undefined>;
  current(licenseId: number): string;
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

/** The read caches and computation slots of one app over one store. */
export class ReadCaches {
  private readonly caches = new Map<string, ResponseCache>();
  private readonly slots = new Map<string, <T>(fn: () => Promise<T>) => Promise<T>>();
  constructor(
    private readonly store: Store,
    /** PostgreSQL: versions heard from the database's notifications (the app's, see `ReadFreshness`). */
    private readonly freshness?: ReadFreshness,
  ) {}

  /**
   * The cached answer of `action` for this licence and input, or `compute()` serialised (or as is, when it built its
   * JSON text itself: a RawJson) and cached when the store supports it. The answer is kept only when the token read
   * before computing is still the token afterwards, i.e. nothing it depends on was committed meanwhile, so a kept
   * answer always matches the data at its token (on PostgreSQL every statement in between saw the same committed
   * state). Errors are not cached.
   */
  async run<I>(action: string, spec: ReadCacheSpec<I>, licenseId: number, input: I, compute: () => Promise<unknown>): Promise<unknown> {
    const limited = this.slotOf(action, spec);
    const work = limited ? () => limited(compute) : compute;
    const { store, freshness } = this;
    const version = spec.postgresVersion;
    // SQLite's token is read once for all the reads of the turn (`turnToken`); on PostgreSQL the heard version after a
    // barrier, else the licence version read from the database when the cache declares it. Each source's tokens have
    // their own prefix.
    let heard = false;
    let token = store.changeToken ? await this.turnToken() : undefined;
    if (token === undefined && freshness && spec.heardVersions === 'agents') heard = (token = await freshness.token(licenseId)) !== undefined;
    if (token === undefined && version) token = await version(store.db, licenseId);
    if (token === undefined) return work();
    let cache = this.caches.get(action);
    if (!cache) this.caches.set(action, (cache = new ResponseCache(spec.limits)));
    if (store.changeToken) cache.adoptDatabaseToken(token);
    const key = `${licenseId}:${spec.key(input)}`;
    const hit = cache.get(key, token);
    if (hit) return hit;
    const json = serialise(await work());
    const after = store.changeToken?.() ?? (heard ? freshness!.current(licenseId) : await version!(store.db, licenseId));
    if (after === token) cache.set(key, token, json);
    return json;
  }

  /**
   * SQLite: the change token read once per event-loop turn, in its check phase, for every read that asked during the
   * turn. Each asked after its request arrived, so a token read after all of them is fresh for each (a commit before
   * any of them arrived moved it); reading it costs a system call (the WAL index), which every cached read paid.
   */
  private readonly turnToken = atTurnEnd(() => this.store.changeToken!());

  private slotOf<I>(action: string, spec: ReadCacheSpec<I>) {
    if (!spec.concurrency) return undefined;
    let slot = this.slots.get(action);
    if (!slot) this.slots.set(action, (slot = concurrencyLimit(spec.concurrency[this.store.dialect])));
    return slot;
  }
}

const serialise = (value: unknown): RawJson =>
  value instanceof RawJson ? value : new RawJson(Buffer.from(JSON.stringify(value), 'utf8'));

/** At most `max` calls of the returned runner execute at once; the others wait in arrival order. */
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
