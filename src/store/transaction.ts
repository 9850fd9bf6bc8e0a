/**
 * Transactions: `runTransaction` runs a function as one transaction and hands it the transaction context (`Tx`): the
 * Kysely transaction, the dialect, the store's creation clock, the app's transaction settings, what to signal after
 * the commit and, for batch calls, a memo of lookups. Everything a function needs of its transaction is in that one
 * argument; nothing is kept on the side. Also the savepoints of batch items.
 */
import { sql, type Transaction } from 'kysely';
import type { Database } from './schema.js';
import type { CreationClock, Dialect, Queryable, Store } from './store.js';
import { encodeChange, queueNotify, type CommitSignal } from './notify.js';

export type { CommitSignal } from './notify.js';

/** What the app tells every transaction it runs. */
export interface TxSettings {
  /** Which webhook events are stored: only those a webhook will receive, or every one (an audit log). */
  eventLog: 'subscribed' | 'all';
}
/** The settings of transactions no app runs (e.g. the CLI's, unless its configuration says otherwise). */
export const DEFAULT_TX_SETTINGS: TxSettings = { eventLog: 'subscribed' };

/** What a committed transaction tells its `onCommit` listener: the signals it asked for, the licences it changed. */
export type CommitListener = (signals: ReadonlySet<CommitSignal>, licenses: ReadonlySet<number>) => void;

const NONE: ReadonlySet<never> = new Set<never>();

/**
 * A read a transaction makes first thing after its licence lock, sent in the lock's round trip on PostgreSQL (the core
 * runs `sql(tx.db)`, a statement without parameters) so the lock is held for one round trip less; its rows wait in
 * the transaction for the first reader (`Tx.takePrefetched(key)`).
 */
export interface Prefetch {
  key: string;
  sql: (db: Queryable) => string;
}

/** One transaction run by `runTransaction`, as the functions running inside it receive it. */
export class Tx {
  private asked: Set<CommitSignal> | undefined;
  private changed: Set<number> | undefined;
  private prefetched: Map<string, unknown[]> | undefined;

  constructor(
    /** The Kysely transaction: every query of the transaction runs on it. */
    readonly db: Transaction<Database>,
    readonly dialect: Dialect,
    /** The store's creation clock (`clock.next()`: a creation timestamp, strictly increasing per store). */
    readonly clock: CreationClock,
    readonly settings: TxSettings,
    /** Batch calls only: lookups remembered for the rest of the transaction (see `memo`). */
    private readonly remembered?: Map<string, unknown>,
    /**
     * PostgreSQL: writes whose answer nobody waits for may go with the COMMIT (store/pg-commit.ts `writeAtCommit`).
     * Only for transactions of one unit of work (a single call): in a batch an item's write would be sent with the
     * next item's savepoint or the COMMIT, and its failure would then be the batch's instead of the item's.
     */
    readonly keepsWrites = false,
  ) {}

  /** Ask for `signal` to be sent when the transaction commits (once, whatever the number of asks). */
  signal(signal: CommitSignal): void {
    (this.asked ??= new Set()).add(signal);
  }

  /** The signals asked for so far (undefined: none). */
  get signals(): ReadonlySet<CommitSignal> | undefined {
    return this.asked;
  }

  /**
   * Record that the transaction changes the configuration of `licenseId` (told to the commit listener after the
   * commit). Tenancy's licence locks call it: every writer of a licence takes its lock, so every change is recorded.
   */
  licenseChanged(licenseId: number): void {
    (this.changed ??= new Set()).add(licenseId);
  }

  /** The licences recorded as changed so far (undefined: none). */
  get changedLicenses(): ReadonlySet<number> | undefined {
    return this.changed;
  }

  /** Keep the rows a `Prefetch` read in the lock's round trip. */
  prefill(key: string, rows: unknown[]): void {
    (this.prefetched ??= new Map()).set(key, rows);
  }

  /**
   * The rows prefetched for `key`, once (the first reader after the lock gets what it would have read; later reads,
   * which may follow changes of the transaction, go to the database); undefined when nothing was prefetched.
   */
  takePrefetched(key: string): unknown[] | undefined {
    const rows = this.prefetched?.get(key);
    if (rows) this.prefetched!.delete(key);
    return rows;
  }

  /** Give `memo(key)` its value now (e.g. looked up in the lock's round trip), where the transaction remembers lookups. */
  remember(key: string, value: unknown): void {
    this.remembered?.set(key, value);
  }

  /**
   * `load()`'s value for `key`, computed once per transaction where the transaction remembers lookups (batch calls:
   * their items run in one transaction and repeat the same lookups; single calls of batchable actions, as a batch of
   * one), else every call. Only for lookups the
   * transaction itself cannot change and whose value may be taken at any point of it (e.g. webhook subscriptions,
   * which batchable actions never change).
   */
  async memo<T>(key: string, load: () => Promise<T>): Promise<T> {
    const memo = this.remembered;
    if (!memo) return load();
    if (memo.has(key)) return memo.get(key) as T;
    const value = await load();
    memo.set(key, value);
    return value;
  }
}

export interface TransactionOptions {
  /** Run first in the transaction, e.g. a lock serialising the writers of one licence (tenancy's `lockLicense`). */
  lock?: (tx: Tx) => Promise<void>;
  /** Remember lookups for the rest of the transaction (batch calls, see `Tx.memo`). */
  memo?: boolean;
  /** Let writes go with the COMMIT (`Tx.keepsWrites`): one unit of work, e.g. a single API call. */
  keepWrites?: boolean;
  settings?: TxSettings;
  /**
   * Called after the commit with the signals the transaction asked for and the licences it changed (not called when
   * it rolls back, nor when it asked for nothing and changed no licence).
   */
  onCommit?: CommitListener;
  /**
   * PostgreSQL: the commit also tells the other processes of the database what it told `onCommit`
   * (src/store/notify.ts), as sent by `origin` (the sender's id, so that it can skip its own message).
   */
  origin?: string;
}

/**
 * Run `fn` as one transaction; after the commit, hand its signals and changed licences to `opts.onCommit` (and, with
 * `origin` on PostgreSQL, to the other processes of the database, in the COMMIT's round trip).
 */
export async function runTransaction<T>(store: Store, opts: TransactionOptions, fn: (tx: Tx) => Promise<T>): Promise<T> {
  let tx: Tx | undefined;
  const result = await store.db.transaction().execute(async (trx) => {
    const t = (tx = new Tx(trx, store.dialect, store.clock, opts.settings ?? DEFAULT_TX_SETTINGS, opts.memo ? new Map() : undefined, opts.keepWrites === true));
    if (opts.lock) await opts.lock(t);
    const out = await fn(t);
    if (opts.origin && store.dialect === 'postgres' && (t.signals || t.changedLicenses)) {
      await queueNotify(trx, encodeChange(opts.origin, { signals: t.signals ?? NONE, licenses: t.changedLicenses ?? NONE }));
    }
    return out;
  });
  store.health.ok();
  const signals = tx?.signals;
  const licenses = tx?.changedLicenses;
  if (signals || licenses) opts.onCommit?.(signals ?? NONE, licenses ?? NONE);
  return result;
}

/**
 * Start a fresh savepoint for the next unit of work inside a transaction (one item of a batch call), releasing the
 * previous one: `ROLLBACK TO SAVEPOINT item` then undoes that unit alone and keeps the savepoint, so the next call
 * works after a rollback too. PostgreSQL: one round trip (both statements in one simple-protocol query).
 */
export async function nextSavepoint(tx: Tx, first: boolean): Promise<void> {
  if (first) await sql`SAVEPOINT item`.execute(tx.db);
  else if (tx.dialect === 'postgres') await sql`RELEASE SAVEPOINT item; SAVEPOINT item`.execute(tx.db);
  else {
    await sql`RELEASE SAVEPOINT item`.execute(tx.db);
    await sql`SAVEPOINT item`.execute(tx.db);
  }
}

/** Undo what ran since the last `nextSavepoint`. */
export async function rollbackToSavepoint(tx: Tx): Promise<void> {
  await sql`ROLLBACK TO SAVEPOINT item`.execute(tx.db);
}
