/**
 * The request journal in PostgreSQL (owner of `request_journal`, migration 0015): the calls answered by every node
 * of the database, newest kept.
 * - Recording costs a request nothing: calls wait in memory and are written in batches, FLUSH_MS after the first of
 *   a batch (or at once past BATCH), so another node shows them within a second. A failed write is tried again later
 *   (at most `capacity` calls wait, the oldest dropped first).
 * - Writes of all nodes take one advisory lock in their transaction, so sequence numbers become visible in order:
 *   a reader that has seen `seq` n never later finds a call below n it has not seen. Each write also deletes what
 *   falls out of the newest `capacity` (a range of the primary key).
 * - `list` and `find` write this node's waiting calls first, so they see its own calls at once.
 * - Live views: while someone subscribes, new rows are read every TAIL_MS after the last one seen.
 */
import { sql, type Generated, type Selectable } from 'kysely';
import type { Db } from '../store/store.js';
import {
  DEFAULT_JOURNAL_LIMIT,
  JournalListeners,
  type JournalEntry,
  type JournalQuery,
  type NewJournalEntry,
  type RequestJournal,
} from './journal.js';
import { Poller, type ReportError } from './poller.js';

/** A journal entry's columns (`seq` assigned by the database; bodies as JSON, null without JOURNAL_BODIES=on). */
export interface RequestJournalTable extends Omit<JournalEntry, 'seq' | 'request_body' | 'response_body'> {
  seq: Generated<number>;
  request_body: string | null;
  response_body: string | null;
}

declare module '../store/schema.js' {
  interface Database {
    request_journal: RequestJournalTable;
  }
}

/** Longest wait of a recorded call before it is written. */
const FLUSH_MS = 50;
/** Written at once when this many wait; at most this many per statement. */
const BATCH = 500;
/** Wait before writing again after a failed write. */
const RETRY_MS = 1000;
/** How often live views read new entries (only while someone subscribes). */
const TAIL_MS = 200;
/** The advisory lock every node's journal writes take (two-key form: this project, this table). */
const LOCK = sql`pg_advisory_xact_lock(1668246387, 1)`;

type Row = Selectable<RequestJournalTable>;

const toRow = ({ request_body, response_body, ...e }: NewJournalEntry) => ({
  ...e,
  request_body: request_body === undefined ? null : JSON.stringify(request_body),
  response_body: response_body === undefined ? null : JSON.stringify(response_body),
});

function toEntry({ request_body, response_body, ...r }: Row): JournalEntry {
  if (request_body === null && response_body === null) return r;
  return { ...r, request_body: JSON.parse(request_body ?? 'null'), response_body: JSON.parse(response_body ?? 'null') };
}

export class PgJournal implements RequestJournal {
  private pending: NewJournalEntry[] = [];
  private timer?: NodeJS.Timeout;
  /** Writes (and a tail's first read) one after the other. */
  private chain: Promise<void> = Promise.resolve();
  /** The write queued behind the one under way, not started yet. */
  private queued: Promise<void> | null = null;
  private readonly listeners = new JournalListeners();
  /** Reads new rows for the subscribers while there are any. */
  private tail: Poller | null = null;
  private closed = false;

  constructor(
    private readonly db: Db,
    readonly capacity: number,
    readonly bodies: boolean,
    private readonly report: ReportError,
  ) {}

  record(e: NewJournalEntry): void {
    if (this.closed) return;
    this.pending.push(e);
    if (this.pending.length > this.capacity) this.pending.splice(0, this.pending.length - this.capacity);
    if (this.pending.length >= BATCH) void this.flush();
    else this.schedule(FLUSH_MS);
  }

  async list(q: JournalQuery = {}): Promise<JournalEntry[]> {
    await this.flush();
    let query = this.db.selectFrom('request_journal').selectAll();
    if (q.licenseId !== undefined) query = query.where('license_id', '=', q.licenseId);
    if (q.action !== undefined) query = query.where('action', '=', q.action);
    if (q.errorType !== undefined) query = query.where('error_type', '=', q.errorType);
    if (q.status !== undefined) {
      const n = Number(q.status[0]) * 100;
      query = q.status.endsWith('xx') ? query.where('status', '>=', n).where('status', '<', n + 100) : query.where('status', '=', Number(q.status));
    }
    const rows = await query.orderBy('seq', 'desc').limit(q.limit ?? DEFAULT_JOURNAL_LIMIT).execute();
    return rows.map(toEntry);
  }

  async find(requestId: string): Promise<JournalEntry | undefined> {
    await this.flush();
    const row = await this.db.selectFrom('request_journal').selectAll().where('request_id', '=', requestId).orderBy('seq', 'desc').limit(1).executeTakeFirst();
    return row && toEntry(row);
  }

  subscribe(fn: (e: JournalEntry) => void): () => void {
    const off = this.listeners.add(fn);
    if (!this.tail && !this.closed) this.startTail();
    return () => {
      off();
      if (this.listeners.size > 0 || !this.tail) return;
      void this.tail.stop();
      this.tail = null;
    };
  }

  get subscribers(): number {
    return this.listeners.size;
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.tail?.stop();
    this.tail = null;
    await this.flush();
    clearTimeout(this.timer);
  }

  /**
   * Write the waiting calls (after the write under way: at most one more is queued, and it takes every call waiting
   * when it starts); a failure is reported and tried again later.
   */
  private flush(): Promise<void> {
    return (this.queued ??= this.then(async () => {
      this.queued = null;
      clearTimeout(this.timer);
      this.timer = undefined;
      while (this.pending.length > 0) {
        const batch = this.pending.splice(0, BATCH);
        try {
          await this.insert(batch);
        } catch (err) {
          this.pending = [...batch, ...this.pending].slice(-this.capacity);
          if (!this.closed) this.schedule(RETRY_MS);
          this.report('writing the request journal', err);
          return;
        }
      }
    }));
  }

  private async insert(batch: NewJournalEntry[]): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      await sql`SELECT ${LOCK}`.execute(trx);
      const rows = await trx.insertInto('request_journal').values(batch.map(toRow)).returning('seq').execute();
      const newest = Math.max(...rows.map((r) => r.seq));
      await trx.deleteFrom('request_journal').where('seq', '<=', newest - this.capacity).execute();
    });
  }

  private schedule(ms: number): void {
    this.timer ??= setTimeout(() => {
      this.timer = undefined;
      void this.flush();
    }, ms).unref();
  }

  /** Run `fn` after the work queued before it (its failure stays its own). */
  private then(fn: () => Promise<void>): Promise<void> {
    const run = this.chain.then(fn);
    this.chain = run.catch(() => {});
    return run;
  }

  /**
   * Read new rows for the subscribers from now on. The starting point is read in turn with this node's writes, so
   * every call recorded here after the subscription is found above it.
   */
  private startTail(): void {
    let cursor: number | null = null; // the newest row seen
    const tail = new Poller('reading new journal entries', TAIL_MS, async () => {
      if (cursor === null) {
        // Queued at once (the first run starts with the subscription), after the writes already under way.
        await this.then(async () => {
          const row = await this.db.selectFrom('request_journal').select((eb) => eb.fn.max('seq').as('seq')).executeTakeFirst();
          cursor = Number(row?.seq ?? 0);
        });
        return;
      }
      await this.flush();
      const rows = await this.db.selectFrom('request_journal').selectAll().where('seq', '>', cursor).orderBy('seq').limit(BATCH).execute();
      for (const row of rows) {
        cursor = row.seq;
        if (this.tail === tail) this.listeners.emit(toEntry(row));
      }
    }, this.report);
    this.tail = tail;
    tail.start();
  }
}
