/**
 * Transactions: `runTransaction` runs a function as one transaction and hands it the transaction context (`Tx`): the
 * Kysely transaction, the dialect, the store's creation clock, the app's transaction settings, what to signal after
 * the commit and, for batch calls, a memo of lookups. Everything a function needs of its transaction is in that one
 * argument; nothing is kept on the side. Also the savepoints of batch items.
 */
import { sql, type Transaction } from 'kysely';
import type { Database } from './schema.js';
import type { CreationClock, Dialect, Store } from './store.js';
import { encodeChange, queueNotify, type Change, type CommitSignal } from './notify.js';

export type { Change, CommitSignal } from './notify.js';

/** What the app tells every transaction it runs. */
export interface TxSettings {
  /** Which webhook events are stored: only those a webhook will receive, or every one (an audit log). */
  eventLog: 'subscribed' | 'all';
}
/** The settings of transactions no app runs (e.g. the CLI's, unless its configuration says otherwise). */
export const DEFAULT_TX_SETTINGS: TxSettings = { eventLog: 'subscribed' };

/** One transaction run by `runTransaction`, as the functions running inside it receive it. */
export class Tx {
  private asked: Set<CommitSignal> | undefined;

  constructor(
    /** The Kysely transaction: every query of the transaction runs on it. */
    readonly db: Transaction<Database>,
    readonly dialect: Dialect,
    /** The store's creation clock (`clock.next()`: a creation timestamp, strictly increasing per store). */
    readonly clock: CreationClock,
    readonly settings: TxSettings,
    /** Batch calls only: lookups remembered for the rest of the transaction (see `memo`). */
    private readonly remembered?: Map<string, unknown>,
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
   * `load()`'s value for `key`, computed once per transaction where the transaction remembers lookups (batch calls:
   * their items run in one transaction and repeat the same lookups), else every call. Only for lookups the
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
  settings?: TxSettings;
  /** The licence the transaction changes (its id goes with the commit's change). */
  licenseId?: number;
  /**
   * PostgreSQL: the commit also tells the other processes of the database what changed (src/store/notify.ts), as sent
   * by `origin` (the sender's id, so that it can skip its own message).
   */
  origin?: string;
  /** Called after the commit with what changed: signals asked for, or a licence (not called when it rolls back). */
  onCommit?: (change: Change) => void;
}

const NO_SIGNALS: ReadonlySet<CommitSignal> = new Set();

/** Run `fn` as one transaction; after the commit, hand what changed to `opts.onCommit` (and, with `origin`, to other nodes). */
export async function runTransaction<T>(store: Store, opts: TransactionOptions, fn: (tx: Tx) => Promise<T>): Promise<T> {
  let change: Change | null = null;
  const result = await store.db.transaction().execute(async (trx) => {
    const tx = new Tx(trx, store.dialect, store.clock, opts.settings ?? DEFAULT_TX_SETTINGS, opts.memo ? new Map() : undefined);
    if (opts.lock) await opts.lock(tx);
    const out = await fn(tx);
    if (tx.signals || opts.licenseId !== undefined) {
      change = { signals: tx.signals ?? NO_SIGNALS, licenseId: opts.licenseId ?? null };
      if (opts.origin && store.dialect === 'postgres') await queueNotify(trx, encodeChange(opts.origin, change));
    }
    return out;
  });
  store.health.ok();
  if (change) opts.onCommit?.(change);
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
