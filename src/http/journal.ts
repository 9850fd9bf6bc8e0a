/**
 * Request journal of the control plane: the most recent API calls of this app instance in a ring buffer (time,
 * request id, action, caller kind, licence, status, error type, duration; request and response bodies only when
 * asked, with secrets redacted). Recorded by a hook of the action pipeline (`journalHook`, http/actions/) when an
 * answer is ready to go; `subscribe` feeds the live views (GET /admin/requests/stream, the console's calls).
 */
import type { onSendHookHandler } from 'fastify';
import { errorTypeOf } from './telemetry.js';

export interface JournalEntry {
  /** Sequence number in this process (increasing). */
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

export interface JournalQuery {
  licenseId?: number;
  action?: string;
  /** An HTTP status (`404`) or a class (`4xx`). */
  status?: string;
  errorType?: string;
  /** At most this many entries (default 100). */
  limit?: number;
}

/** Does `e` pass every filter of `q`? */
function matches(e: JournalEntry, q: JournalQuery): boolean {
  return (
    (q.licenseId === undefined || e.license_id === q.licenseId) &&
    (q.action === undefined || e.action === q.action) &&
    (q.errorType === undefined || e.error_type === q.errorType) &&
    (q.status === undefined || (q.status.endsWith('xx') ? String(e.status)[0] === q.status[0] : String(e.status) === q.status))
  );
}

const SECRET_KEY = /secret|token|password|passwd|^pat$|basic_auth|authorization|api_key|private_key/i;
const MAX_BODY = 64 * 1024;

/** A copy of `value` with the values of secret-looking keys replaced (tokens, secret keys, bot secrets, PATs). */
export function redactSecrets(value: unknown, depth = 0): unknown {
  if (depth > 20) return '[too deep]';
  if (Array.isArray(value)) return value.map((v) => redactSecrets(v, depth + 1));
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = SECRET_KEY.test(k) && v !== null && v !== '' ? '[redacted]' : redactSecrets(v, depth + 1);
    return out;
  }
  return value;
}

function parseBody(payload: unknown): unknown {
  const text = typeof payload === 'string' ? payload : Buffer.isBuffer(payload) ? payload.toString('utf8') : null;
  if (text === null) return null;
  if (text.length > MAX_BODY) return '[too large]';
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

export class RequestJournal {
  private readonly ring: Array<JournalEntry | undefined>;
  private next = 0;
  private seq = 0;
  private readonly listeners = new Set<(e: JournalEntry) => void>();

  constructor(
    readonly capacity: number,
    readonly bodies: boolean,
  ) {
    this.ring = new Array(capacity);
  }

  record(e: Omit<JournalEntry, 'seq'>): JournalEntry {
    const entry = { seq: ++this.seq, ...e };
    this.ring[this.next] = entry;
    this.next = (this.next + 1) % this.capacity;
    for (const fn of this.listeners) {
      try {
        fn(entry);
      } catch {
        // a failing listener must not break the request
      }
    }
    return entry;
  }

  /** Recent entries that pass the query's filters, newest first. */
  list(q: JournalQuery = {}): JournalEntry[] {
    const out: JournalEntry[] = [];
    const limit = q.limit ?? 100;
    for (let i = 1; i <= this.capacity && out.length < limit; i++) {
      const e = this.ring[(this.next - i + this.capacity) % this.capacity];
      if (!e) break;
      if (matches(e, q)) out.push(e);
    }
    return out;
  }

  /** The entry of a request id, while it is still kept. */
  find(requestId: string): JournalEntry | undefined {
    for (let i = 1; i <= this.capacity; i++) {
      const e = this.ring[(this.next - i + this.capacity) % this.capacity];
      if (!e) return undefined;
      if (e.request_id === requestId) return e;
    }
    return undefined;
  }

  clear(): void {
    this.ring.fill(undefined);
    this.next = 0;
  }

  /** Call `fn` with every new entry; returns the function that stops it. */
  subscribe(fn: (e: JournalEntry) => void): () => void {
    this.listeners.add(fn);
    return () => void this.listeners.delete(fn);
  }

  get subscribers(): number {
    return this.listeners.size;
  }
}

/**
 * The action pipeline's onSend hook: one entry per call, recorded when its answer is ready to go (so it is in the
 * journal before the client has the answer). Bodies only when the journal keeps them.
 */
export function journalHook(journal: RequestJournal): onSendHookHandler {
  return (req, reply, payload, done) => {
    const call = req.call;
    if (call) {
      const caller = req.caller;
      const status = reply.statusCode;
      journal.record({
        time: new Date(Date.now() - reply.elapsedTime).toISOString(),
        request_id: req.id,
        action: call.name,
        version: call.version,
        caller_kind: caller?.kind ?? null,
        license_id: caller?.licenseId ?? null,
        agent_id: caller?.agentId ?? null,
        status,
        error_type: errorTypeOf(status, payload),
        duration_ms: Math.round(reply.elapsedTime * 100) / 100,
        ...(journal.bodies ? { request_body: redactSecrets(req.body ?? null), response_body: redactSecrets(parseBody(payload)) } : {}),
      });
    }
    done(null, payload);
  };
}
