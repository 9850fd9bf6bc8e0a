/**
 * What changed, told to whoever in this process keeps something that a change makes stale: the authenticator's cached
 * token lookups (`credentials-changed`), the delivery worker (`deliveries-queued`), and views of a licence (the console:
 * `subscribe(licenseId | '*', fn)`). One per core (`core.changes`): its own commits are published here at once; with
 * PostgreSQL the other nodes' commits arrive through `PgChangeListener` (pg-change-listener.ts), and when signals may
 * have been missed (the listening connection was lost) `stale()` tells everyone that anything may have changed.
 * With SQLite one process owns the database: its own commits are all there is.
 */
import { randomBytes } from 'node:crypto';
import type { Change, CommitSignal } from '../store/transaction.js';

/** `licenseId`: the licence that changed; `'*'`: any licence may have changed (signals were missed). */
export type LicenseListener = (licenseId: number | '*') => void;

export class ChangeSignals {
  /** This process's id in the messages it sends (src/store/notify.ts), so it skips its own. */
  readonly origin = randomBytes(9).toString('base64url');
  private readonly bySignal = new Map<CommitSignal, Set<() => void>>();
  private readonly byLicense = new Map<number | '*', Set<LicenseListener>>();
  /** Where a listener's failure goes (the app logs it); it never reaches the commit that published. */
  onListenerError: (err: unknown) => void = () => {};

  /** Call `fn` when a commit (here or on another node) asked for `signal`, and when signals were missed. */
  on(signal: CommitSignal, fn: () => void): () => void {
    return add(this.bySignal, signal, fn);
  }

  /**
   * Call `fn` with the licence id when a transaction changing that licence committed (here or on another node; `'*'`:
   * every licence's), and with `'*'` when signals were missed. Returns the unsubscribe function.
   */
  subscribe(licenseId: number | '*', fn: LicenseListener): () => void {
    return add(this.byLicense, licenseId, fn);
  }

  /** A committed change (this process's, or another node's as received). */
  publish(change: Change): void {
    for (const signal of change.signals) this.call(this.bySignal.get(signal), undefined);
    const id = change.licenseId;
    if (id === null) return;
    this.call(this.byLicense.get(id), id);
    this.call(this.byLicense.get('*'), id);
  }

  /** Signals may have been missed (before listening, or while the connection was lost): anything may have changed. */
  stale(): void {
    for (const fns of this.bySignal.values()) this.call(fns, undefined);
    for (const fns of this.byLicense.values()) this.call(fns, '*');
  }

  private call<A>(fns: Set<(arg: A) => void> | undefined, arg: A): void {
    if (!fns) return;
    for (const fn of [...fns]) {
      try {
        fn(arg);
      } catch (err) {
        this.onListenerError(err);
      }
    }
  }
}

function add<K, F>(map: Map<K, Set<F>>, key: K, fn: F): () => void {
  let set = map.get(key);
  if (!set) map.set(key, (set = new Set()));
  set.add(fn);
  return () => {
    set.delete(fn);
    if (set.size === 0 && map.get(key) === set) map.delete(key);
  };
}
