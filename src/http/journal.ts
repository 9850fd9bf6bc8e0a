/**
 * Request journal of the control plane: the most recent API calls of this app instance in a ring buffer (time,
 * request id, action, caller kind, licence, status, error type, duration; request and response bodies only when
 * asked, with secrets redacted). Recorded from Fastify hooks on the action routes; `subscribe` feeds live views
 * (GET /admin/requests/stream, server-sent events).
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Caller } from '../kernel/registry.js';
import { ACTION_ROUTE } from './action-route.js';

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
  limit?: number;
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

  /** Recent entries, newest first. */
  list(q: JournalQuery = {}): JournalEntry[] {
    const out: JournalEntry[] = [];
    const limit = q.limit ?? 100;
    for (let i = 1; i <= this.capacity && out.length < limit; i++) {
      const e = this.ring[(this.next - i + this.capacity) % this.capacity];
      if (!e) break;
      if (q.licenseId !== undefined && e.license_id !== q.licenseId) continue;
      if (q.action !== undefined && e.action !== q.action) continue;
      out.push(e);
    }
    return out;
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

const isActionRoute = (req: FastifyRequest) => req.routeOptions.url === ACTION_ROUTE;

/** Record every call of the action route into `journal` (register on the root instance). */
export function registerJournal(app: FastifyInstance, journal: RequestJournal): void {
  const payloads = new WeakMap<FastifyRequest, unknown>();
  app.addHook('onSend', async (req, reply, payload) => {
    if (isActionRoute(req) && (journal.bodies || reply.statusCode >= 400)) payloads.set(req, payload);
    return payload;
  });
  app.addHook('onResponse', async (req, reply) => {
    if (!isActionRoute(req)) return;
    const params = (req.params ?? {}) as { version?: string; action?: string };
    const caller = req.apiCaller;
    const response = payloads.has(req) ? parseBody(payloads.get(req)) : undefined;
    const errorType =
      reply.statusCode >= 400 && response && typeof response === 'object'
        ? ((response as { error?: { type?: string } }).error?.type ?? null)
        : null;
    journal.record({
      time: new Date(Date.now() - reply.elapsedTime).toISOString(),
      request_id: String(req.id),
      action: params.action ?? '',
      version: params.version ?? '',
      caller_kind: caller?.kind ?? null,
      license_id: caller?.licenseId ?? null,
      agent_id: caller?.agentId ?? null,
      status: reply.statusCode,
      error_type: errorType,
      duration_ms: Math.round(reply.elapsedTime * 100) / 100,
      ...(journal.bodies
        ? { request_body: redactSecrets(req.body ?? null), response_body: redactSecrets(response ?? null) }
        : {}),
    });
  });
}

declare module 'fastify' {
  interface FastifyRequest {
    /** The authenticated caller of an action call (set by dispatch; null before or without authentication). */
    apiCaller: Caller | null;
  }
}
