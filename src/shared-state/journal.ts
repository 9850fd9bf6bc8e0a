/**
 * The control plane's request journal: the most recent API calls (time, request id, action, version, caller kind,
 * licence, status, error type, duration; bodies only when JOURNAL_BODIES=on, redacted by the recording hook), newest
 * kept, at most `capacity`. Recording costs a request no I/O; `subscribe` feeds the live views (GET
 * /admin/requests/stream, the console's calls). `MemoryJournal`: one process (SQLite), a ring buffer, subscribers
 * get each call as it is recorded. `PgJournal` (pg-journal.ts): every node's calls in PostgreSQL.
 */

export interface JournalEntry {
  /** Increasing: the order in which calls were recorded (in this process, or across the cluster). */
  seq: number;
  time: string;
  request_id: string;
  action: string;
  version: string;
  /** bearer | pat | bot, or null when the call was not authenticated. */
  caller_kind: string | null;
  license_id: number | null;
  agent_id: string | null;
  status: number;
  error_type: string | null;
  duration_ms: number;
  /** Only with JOURNAL_BODIES=on. */
  request_body?: unknown;
  response_body?: unknown;
}

export type NewJournalEntry = Omit<JournalEntry, 'seq'>;

export interface JournalQuery {
  licenseId?: number;
  action?: string;
  /** An HTTP status (`404`) or a class (`4xx`). */
  status?: string;
  errorType?: string;
  /** At most this many entries (default 100). */
  limit?: number;
}

export const DEFAULT_JOURNAL_LIMIT = 100;

export interface RequestJournal {
  readonly capacity: number;
  /** Whether entries keep request and response bodies (JOURNAL_BODIES). */
  readonly bodies: boolean;
  /** Record one call (no I/O). */
  record(e: NewJournalEntry): void;
  /** Recent entries that pass the query's filters, newest first (this node's own calls included, at once). */
  list(q?: JournalQuery): Promise<JournalEntry[]>;
  /** The newest entry of a request id, while it is still kept. */
  find(requestId: string): Promise<JournalEntry | undefined>;
  /** Call `fn` with every new entry; returns the function that stops it. */
  subscribe(fn: (e: JournalEntry) => void): () => void;
  readonly subscribers: number;
  /** Stop background work (PostgreSQL: the calls not written yet are written first). */
  close(): Promise<void>;
}

/** Does `e` pass every filter of `q`? */
export function journalMatches(e: JournalEntry, q: JournalQuery): boolean {
  return (
    (q.licenseId === undefined || e.license_id === q.licenseId) &&
    (q.action === undefined || e.action === q.action) &&
    (q.errorType === undefined || e.error_type === q.errorType) &&
    (q.status === undefined || (q.status.endsWith('xx') ? String(e.status)[0] === q.status[0] : String(e.status) === q.status))
  );
}

/** The subscribers of a journal: a failing one breaks neither the request nor the others. */
export class JournalListeners {
  private readonly set = new Set<(e: JournalEntry) => void>();

  add(fn: (e: JournalEntry) => void): () => void {
    this.set.add(fn);
    return () => void this.set.delete(fn);
  }

  get size(): number {
    return this.set.size;
  }

  emit(entry: JournalEntry): void {
    for (const fn of this.set) {
      try {
        fn(entry);
      } catch {
        // a failing listener must not break the request
      }
    }
  }
}

/** The calls of this process in a ring buffer. */
export class MemoryJournal implements RequestJournal {
  private readonly ring: Array<JournalEntry | undefined>;
  private next = 0;
  private seq = 0;
  private readonly listeners = new JournalListeners();

  constructor(
    readonly capacity: number,
    readonly bodies: boolean,
  ) {
    this.ring = new Array(capacity);
  }

  record(e: NewJournalEntry): void {
    const entry = { seq: ++this.seq, ...e };
    this.ring[this.next] = entry;
    this.next = (this.next + 1) % this.capacity;
    this.listeners.emit(entry);
  }

  async list(q: JournalQuery = {}): Promise<JournalEntry[]> {
    const out: JournalEntry[] = [];
    const limit = q.limit ?? DEFAULT_JOURNAL_LIMIT;
    for (const e of this.newestFirst()) {
      if (out.length >= limit) break;
      if (journalMatches(e, q)) out.push(e);
    }
    return out;
  }

  async find(requestId: string): Promise<JournalEntry | undefined> {
    for (const e of this.newestFirst()) if (e.request_id === requestId) return e;
    return undefined;
  }

  subscribe(fn: (e: JournalEntry) => void): () => void {
    return this.listeners.add(fn);
  }

  get subscribers(): number {
    return this.listeners.size;
  }

  async close(): Promise<void> {}

  private *newestFirst(): Generator<JournalEntry> {
    for (let i = 1; i <= this.capacity; i++) {
      const e = this.ring[(this.next - i + this.capacity) % this.capacity];
      if (!e) return;
      yield e;
    }
  }
}
