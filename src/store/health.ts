/**
 * The database's health as this process sees it. Every driver error of every query and connection attempt passes
 * through `StoreHealth.report` (see `observeDialect`): errors that mean "the database cannot serve us now" (server
 * unreachable or restarting, connection lost, no answer in time, disk full, read-only) are counted by kind, and the
 * first one opens an outage. While an outage lasts, a probe runs every `probeMs` (a `SELECT 1`, or a small write when
 * writes were refused); the first success — the probe's, or any committed transaction's — ends it. Listeners hear one
 * `down` and one `up` per outage (the app logs one line each), never one per failed request.
 */
import type {
  CompiledQuery,
  DatabaseConnection,
  DatabaseIntrospector,
  Dialect,
  DialectAdapter,
  Driver,
  Kysely,
  QueryCompiler,
  QueryResult,
  TransactionSettings,
} from 'kysely';

/** What went wrong, for the error counter. */
export const FAILURE_KINDS = ['unreachable', 'connection_lost', 'timeout', 'server_shutdown', 'disk_full', 'read_only', 'io_error', 'pool_busy'] as const;
export type FailureKind = (typeof FAILURE_KINDS)[number];

/** What the API answers in `error.data.reason` (503 `internal`), and `/readyz` too. */
export type UnavailableReason = 'database_unavailable' | 'disk_full' | 'read_only' | 'database_busy';

export interface DbFailure {
  kind: FailureKind;
  reason: UnavailableReason;
  /**
   * False when the database itself is fine and this process is saturated (every pooled connection busy for the whole
   * connection time-out): answered 503 and counted, but no outage is opened (nor logged, nor probed).
   */
  outage: boolean;
}

const NETWORK_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOENT']);
const LOST_CODES = new Set(['ECONNRESET', 'EPIPE', 'ECONNABORTED', 'ERR_STREAM_DESTROYED', 'ERR_STREAM_WRITE_AFTER_END']);

/**
 * The failure `err` stands for when it says the database cannot serve requests right now; null for every other error
 * (constraint violations, bad SQL, serialisation conflicts: answered as they are today).
 */
export function classifyDbError(err: unknown): DbFailure | null {
  if (err === null || typeof err !== 'object') return null;
  const e = err as { code?: unknown; message?: unknown };
  const code = typeof e.code === 'string' ? e.code : '';
  const message = typeof e.message === 'string' ? e.message : '';
  const unavailable = (kind: FailureKind): DbFailure => ({ kind, reason: 'database_unavailable', outage: true });
  // SQLite (better-sqlite3 extended result codes).
  if (code === 'SQLITE_FULL' || code === 'SQLITE_IOERR_NOSPC') return { kind: 'disk_full', reason: 'disk_full', outage: true };
  if (code.startsWith('SQLITE_READONLY')) return { kind: 'read_only', reason: 'read_only', outage: true };
  if (code.startsWith('SQLITE_IOERR') || code === 'SQLITE_CANTOPEN') return unavailable('io_error');
  // PostgreSQL SQLSTATEs.
  if (code === '53100') return { kind: 'disk_full', reason: 'disk_full', outage: true };
  if (code === '25006') return { kind: 'read_only', reason: 'read_only', outage: true }; // read_only_sql_transaction: a standby
  if (code === '57P01' || code === '57P02' || code === '57P03' || code === '57P05') return unavailable('server_shutdown');
  if (code.startsWith('08')) return unavailable('connection_lost'); // connection exception class
  if (code === '53300' || code === '3D000' || code === '28000' || code === '28P01') return unavailable('unreachable');
  if (code === '58030') return unavailable('io_error');
  // Node's sockets (pg).
  if (NETWORK_CODES.has(code)) return unavailable('unreachable');
  if (LOST_CODES.has(code)) return unavailable('connection_lost');
  if (code === 'ETIMEDOUT') return unavailable('timeout');
  // pg's own errors carry no code. The pool's "timeout exceeded when trying to connect" is a wait for one of its own
  // connections (all busy): this process is saturated, the database may be fine.
  if (message.startsWith('timeout exceeded when trying to connect')) return { kind: 'pool_busy', reason: 'database_busy', outage: false };
  if (/^Connection terminated due to connection timeout|^Query read timeout/.test(message)) return unavailable('timeout');
  if (/^Connection terminated|not queryable|^Client was closed|Postgres connection has been discarded/.test(message)) {
    return unavailable('connection_lost');
  }
  // An error wrapping another (AggregateError of a connect to several addresses, `cause`).
  const nested = (err as { errors?: unknown[] }).errors?.[0] ?? (err as { cause?: unknown }).cause;
  return nested && nested !== err ? classifyDbError(nested) : null;
}

const FAILURE = Symbol('config-api.dbFailure');

/** How a driver error is answered: as `StoreHealth.report` judged it when it happened, else by its codes alone. */
export function failureOf(err: unknown): DbFailure | null {
  return (err as { [FAILURE]?: DbFailure } | null)?.[FAILURE] ?? classifyDbError(err);
}

export interface Outage {
  failure: DbFailure;
  /** Epoch ms of the first failure. */
  since: number;
  /** Failures reported since (the first included). */
  errors: number;
  /** The first error's text (for the log line; driver messages may name hosts, so never in an answer). */
  cause: string;
}

export type HealthEvent = { type: 'down'; outage: Outage } | { type: 'up'; outage: Outage; downMs: number };

export class StoreHealth {
  private current: Outage | null = null;
  private readonly counts = new Map<FailureKind, number>(FAILURE_KINDS.map((k) => [k, 0]));
  private readonly listeners = new Set<(event: HealthEvent) => void>();
  private probeTimer?: NodeJS.Timeout;
  private probing = false;
  private closed = false;

  /**
   * `probe(write)` resolves when the database answers again: a read (`write` false) after an outage of reachability,
   * a small write after writes were refused (disk full, read-only).
   */
  constructor(
    private readonly probe: (write: boolean) => Promise<unknown>,
    private readonly probeMs = 500,
  ) {}

  /** The outage under way, or null when the database answers. */
  get outage(): Outage | null {
    return this.current;
  }

  /** Failures counted so far, by kind (every kind present). */
  errorCounts(): ReadonlyMap<FailureKind, number> {
    return this.counts;
  }

  /**
   * Count `err` when it is a database failure (opening an outage if none is under way) and record on it how to answer
   * it (`failureOf`): a wait for a busy pool during an outage is part of the outage (the pool is full of connection
   * attempts that hang), not this process's saturation.
   */
  report(err: unknown): DbFailure | null {
    let failure = classifyDbError(err);
    if (!failure || this.closed) return failure;
    this.counts.set(failure.kind, (this.counts.get(failure.kind) ?? 0) + 1);
    if (!failure.outage && this.current) failure = { ...failure, reason: this.current.failure.reason, outage: true };
    (err as { [FAILURE]?: DbFailure })[FAILURE] = failure;
    if (!failure.outage) return failure;
    if (this.current) {
      this.current.errors++;
      // Writes refused while reads failed too (or the reverse): the answer follows the latest cause.
      if (this.current.failure.reason !== failure.reason) this.current.failure = failure;
      return failure;
    }
    const e = err as { code?: string; message?: string };
    const cause = [e.code, e.message].filter(Boolean).join(': ').slice(0, 200);
    this.current = { failure, since: Date.now(), errors: 1, cause };
    this.emit({ type: 'down', outage: this.current });
    this.scheduleProbe();
    return failure;
  }

  /** The database served a request (a transaction committed): ends the outage under way, if any. */
  ok(): void {
    if (!this.current) return;
    const outage = this.current;
    this.current = null;
    clearTimeout(this.probeTimer);
    this.emit({ type: 'up', outage, downMs: Date.now() - outage.since });
  }

  subscribe(listener: (event: HealthEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Stop probing (the store is closing). */
  close(): void {
    this.closed = true;
    clearTimeout(this.probeTimer);
  }

  private emit(event: HealthEvent): void {
    for (const l of this.listeners) {
      try {
        l(event);
      } catch {
        /* a listener's failure is its own */
      }
    }
  }

  private scheduleProbe(): void {
    if (this.closed || !this.current || this.probing) return;
    clearTimeout(this.probeTimer);
    this.probeTimer = setTimeout(() => void this.runProbe(), this.probeMs);
    this.probeTimer.unref();
  }

  private async runProbe(): Promise<void> {
    const outage = this.current;
    if (!outage || this.closed) return;
    this.probing = true;
    try {
      await this.probe(outage.failure.reason !== 'database_unavailable');
      this.probing = false;
      this.ok();
    } catch {
      this.probing = false;
      this.scheduleProbe();
    }
  }
}

/**
 * `dialect` with every driver error reported to `health`: connection attempts, and every query of every connection
 * (transactions' BEGIN/COMMIT/ROLLBACK included). Errors still reach the caller unchanged.
 */
export function observeDialect(dialect: Dialect, health: StoreHealth): Dialect {
  return {
    createDriver: () => new ObservedDriver(dialect.createDriver(), health),
    createQueryCompiler: (): QueryCompiler => dialect.createQueryCompiler(),
    createAdapter: (): DialectAdapter => dialect.createAdapter(),
    createIntrospector: (db: Kysely<any>): DatabaseIntrospector => dialect.createIntrospector(db),
  };
}

class ObservedDriver implements Driver {
  private readonly observed = new WeakSet<DatabaseConnection>();
  private readonly report: (err: unknown) => never;

  constructor(
    private readonly inner: Driver,
    health: StoreHealth,
  ) {
    this.report = (err: unknown): never => {
      health.report(err);
      throw err;
    };
  }

  init(): Promise<void> {
    return this.inner.init();
  }

  async acquireConnection(): Promise<DatabaseConnection> {
    let connection: DatabaseConnection;
    try {
      connection = await this.inner.acquireConnection();
    } catch (err) {
      return this.report(err);
    }
    if (!this.observed.has(connection)) {
      // The driver's own methods (commit, savepoints, release) take this very object, so it is patched, not wrapped.
      const execute = connection.executeQuery.bind(connection);
      const report = this.report;
      connection.executeQuery = <R>(query: CompiledQuery): Promise<QueryResult<R>> => {
        try {
          return execute<R>(query).then(undefined, report);
        } catch (err) {
          return report(err); // better-sqlite3 throws synchronously
        }
      };
      this.observed.add(connection);
    }
    return connection;
  }

  beginTransaction(connection: DatabaseConnection, settings: TransactionSettings): Promise<void> {
    return this.inner.beginTransaction(connection, settings);
  }
  commitTransaction(connection: DatabaseConnection): Promise<void> {
    return this.inner.commitTransaction(connection);
  }
  rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    return this.inner.rollbackTransaction(connection);
  }
  releaseConnection(connection: DatabaseConnection): Promise<void> {
    return this.inner.releaseConnection(connection);
  }
  destroy(): Promise<void> {
    return this.inner.destroy();
  }
  savepoint(connection: DatabaseConnection, name: string, compile: Parameters<NonNullable<Driver['savepoint']>>[2]): Promise<void> {
    return this.inner.savepoint!(connection, name, compile);
  }
  rollbackToSavepoint(connection: DatabaseConnection, name: string, compile: Parameters<NonNullable<Driver['rollbackToSavepoint']>>[2]): Promise<void> {
    return this.inner.rollbackToSavepoint!(connection, name, compile);
  }
  releaseSavepoint(connection: DatabaseConnection, name: string, compile: Parameters<NonNullable<Driver['releaseSavepoint']>>[2]): Promise<void> {
    return this.inner.releaseSavepoint!(connection, name, compile);
  }
}
