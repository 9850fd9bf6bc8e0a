/**
 * `GET /healthz`: liveness (the process answers, whatever the database does). `GET /readyz`: readiness — 200 only
 * when the database answers within `timeoutMs`, every migration this build knows is applied, writes are not being
 * refused (disk full, read-only), and the server is not draining; otherwise 503 in the error format, type `internal`,
 * with `data.reason` (`database_unavailable`, `migrations_pending`, `disk_full`, `read_only`, `draining`).
 */
import type { FastifyInstance } from 'fastify';
import { sql } from 'kysely';
import { migrationStatus } from '../store/migrate.js';
import type { Store } from '../store/store.js';
import type { Lifecycle } from './lifecycle.js';
import { HttpStatusError } from '../kernel/errors.js';

export interface HealthOptions {
  store: Store;
  lifecycle: Lifecycle;
  /** Bound of the database check. */
  timeoutMs: number;
}

class TimedOut extends Error {}

function within<T>(ms: number, p: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new TimedOut(`no answer within ${ms} ms`)), ms);
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}

/** Why the server is not ready, or null when it is. */
export interface NotReady {
  reason: 'draining' | 'database_unavailable' | 'migrations_pending' | 'disk_full' | 'read_only';
  message: string;
  /** Answered in `error.data` too. */
  data?: Record<string, unknown>;
  /** Logged only (driver messages may name hosts). */
  cause?: string;
}

export async function notReadyReason(o: HealthOptions): Promise<NotReady | null> {
  if (o.lifecycle.draining) return { reason: 'draining', message: 'The server is shutting down' };
  let pending: string[];
  try {
    pending = await within(o.timeoutMs, (async () => {
      await sql`SELECT 1`.execute(o.store.db);
      return (await migrationStatus(o.store.db)).pending;
    })());
  } catch (err) {
    const e = err as { code?: string; message?: string };
    const cause = err instanceof TimedOut ? e.message : [e.code, e.message].filter(Boolean).join(': ').slice(0, 200);
    return { reason: 'database_unavailable', message: 'The database does not answer', cause };
  }
  if (pending.length) {
    return { reason: 'migrations_pending', message: 'Database migrations are not applied; run config-api migrate', data: { pending } };
  }
  // The database answers reads but refused a write, and the health probe's write has not succeeded since.
  const outage = o.store.health.outage;
  const refused = outage?.failure.reason;
  if (outage && (refused === 'disk_full' || refused === 'read_only')) {
    const what = refused === 'disk_full' ? "the database's disk is full" : 'the database is read-only';
    return { reason: refused, message: `Changes are refused: ${what}`, data: { since: new Date(outage.since).toISOString() }, cause: outage.cause };
  }
  return null;
}

export function registerHealth(app: FastifyInstance, o: HealthOptions): void {
  app.get('/healthz', async () => ({ status: 'ok' }));
  app.get('/readyz', async (req) => {
    const why = await notReadyReason(o);
    if (!why) return { status: 'ready' };
    req.log.warn({ reason: why.reason, cause: why.cause, ...why.data }, 'not ready');
    throw new HttpStatusError(503, 'internal', why.message, { reason: why.reason, ...why.data });
  });
}
