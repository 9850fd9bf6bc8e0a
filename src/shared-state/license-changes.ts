/**
 * The licence change feed: who shows a licence's configuration (the console's open licence view) subscribes to the
 * licence's changes; what learns of committed changes publishes them. One per app, built by the composition root
 * (src/app.ts), which publishes its own commits (`core.onCommit`: the licences each transaction changed, recorded by
 * tenancy's licence locks). A transport between the nodes of one database (e.g. PostgreSQL LISTEN/NOTIFY) publishes
 * the other nodes' changes into the same feed, and calls `stale()` when it may have missed some.
 *
 * Bursts are coalesced per licence: the first change of a licence is told at once, the ones that follow within
 * `coalesceMs` as one more call at the end of that window (so a batch or a script of many writes costs a view at most
 * one reload per window, and the last change is never lost).
 */

/** A licence id, or `'*'`: any licence may have changed (changes may have been missed). */
export type LicenseChangeListener = (licenseId: number | '*') => void;

/** What a view needs of the feed. */
export interface LicenseChangeSubscriptions {
  /**
   * Call `fn` after a committed change of `licenseId` (`'*'`: of every licence, with the licence's id), and with
   * `'*'` when changes may have been missed. Returns the unsubscribe function.
   */
  subscribe(licenseId: number | '*', fn: LicenseChangeListener): () => void;
}

/** How long changes of one licence are gathered into one call after the first. */
export const COALESCE_MS = 100;
/** SQLite: how often other processes' commits are looked for (`followOtherCommits`). */
export const OTHER_COMMITS_POLL_MS = 250;

export class LicenseChanges implements LicenseChangeSubscriptions {
  private readonly listeners = new Map<number | '*', Set<LicenseChangeListener>>();
  /** Licences within a window opened by a call: whether another change arrived since. */
  private readonly windows = new Map<number, { timer: NodeJS.Timeout; again: boolean }>();
  /** Where a listener's failure goes (the app logs it); it never reaches the commit that published. */
  onListenerError: (err: unknown) => void = () => {};

  constructor(private readonly coalesceMs = COALESCE_MS) {}

  subscribe(licenseId: number | '*', fn: LicenseChangeListener): () => void {
    let set = this.listeners.get(licenseId);
    if (!set) this.listeners.set(licenseId, (set = new Set()));
    set.add(fn);
    return () => {
      set.delete(fn);
      if (set.size === 0 && this.listeners.get(licenseId) === set) this.listeners.delete(licenseId);
    };
  }

  /** Whether anyone subscribes at all. */
  get watched(): boolean {
    return this.listeners.size > 0;
  }

  /** How many subscribers `licenseId` has (open views of it). */
  subscribers(licenseId: number | '*'): number {
    return this.listeners.get(licenseId)?.size ?? 0;
  }

  /** Committed changes of these licences (this process's, or another node's as received). */
  publish(licenseIds: Iterable<number>): void {
    for (const id of licenseIds) {
      if (!this.listeners.has(id) && !this.listeners.has('*')) continue; // nobody looks: nothing to coalesce
      const window = this.windows.get(id);
      if (window) window.again = true;
      else this.open(id);
    }
  }

  /** Changes may have been missed (e.g. the connection bringing other nodes' changes was lost): tell everyone. */
  stale(): void {
    for (const set of this.listeners.values()) this.call(set, '*');
  }

  /** Stop the coalescing timers and drop every subscription. */
  close(): void {
    for (const w of this.windows.values()) clearTimeout(w.timer);
    this.windows.clear();
    this.listeners.clear();
  }

  /** Tell the licence's listeners now and gather what follows for `coalesceMs`. */
  private open(id: number): void {
    this.tell(id);
    const window = {
      again: false,
      timer: setTimeout(() => {
        this.windows.delete(id);
        if (window.again) this.open(id);
      }, this.coalesceMs).unref(),
    };
    this.windows.set(id, window);
  }

  private tell(id: number): void {
    this.call(this.listeners.get(id), id);
    this.call(this.listeners.get('*'), id);
  }

  private call(set: Set<LicenseChangeListener> | undefined, arg: number | '*'): void {
    if (!set) return;
    for (const fn of [...set]) {
      try {
        fn(arg);
      } catch (err) {
        this.onListenerError(err);
      }
    }
  }
}

/**
 * SQLite: commits of other processes on the database file (the CLI's) reach no commit listener of this one, and do
 * not say what they changed. `version()` (the store's `otherCommits`, a pragma read from memory) is read every `ms`;
 * when it moved, `stale()` is called (the app drops its cached token lookups, wakes webhook delivery and tells every
 * licence view that anything may have changed). A read that fails (the database closed under the app) is skipped.
 * Returns the function that stops it.
 */
export function followOtherCommits(version: () => number, stale: () => void, ms = OTHER_COMMITS_POLL_MS): () => void {
  const read = () => {
    try {
      return version();
    } catch {
      return undefined; // the database closed or gone: the store's health reports that; looked at again next time
    }
  };
  let last = read();
  const timer = setInterval(() => {
    const now = read();
    if (now === undefined || now === last) return;
    last = now;
    stale();
  }, ms).unref();
  return () => clearInterval(timer);
}
