/** Driver errors the API can explain (constraint races, out-of-range values, serialisation conflicts, outages), as API errors. */
import { ApiError, HttpStatusError } from './errors.js';
import { failureOf, type UnavailableReason } from '../store/health.js';

const UNAVAILABLE: Record<UnavailableReason, string> = {
  database_unavailable: 'The database is unavailable; retry shortly',
  disk_full: "The database's disk is full: changes are refused until space is freed (reads still work)",
  read_only: 'The database is read-only: changes are refused (reads still work)',
  database_busy: 'Every database connection of this server stayed busy for the connection time-out; retry shortly',
};

/** The 503 `internal` answer for a database that cannot serve the request now (see store/health.ts). */
export function unavailableError(reason: UnavailableReason): ApiError {
  return new HttpStatusError(503, 'internal', UNAVAILABLE[reason], { reason });
}

/** The API error for `err` when it is one, or a driver error we can explain; null for anything else. */
export function toApiError(err: unknown): ApiError | null {
  if (err instanceof ApiError) return err;
  const e = err as { code?: string };
  if (e?.code === '23505' || e?.code === 'SQLITE_CONSTRAINT_PRIMARYKEY' || e?.code === 'SQLITE_CONSTRAINT_UNIQUE') {
    return new ApiError('already_exists');
  }
  // PostgreSQL data exceptions (value out of range, invalid text) that validation should have caught: still the client's input.
  if (e?.code === '22003' || e?.code === '22021' || e?.code === '22P05' || e?.code === '22001' || e?.code === 'SQLITE_TOOBIG') {
    return new ApiError('validation', 'A value in the request is out of the supported range');
  }
  if (e?.code === '40001' || e?.code === '40P01' || e?.code === 'SQLITE_BUSY') {
    return new ApiError('too_many_requests', 'Concurrent modification; retry the request');
  }
  const failure = failureOf(err);
  return failure ? unavailableError(failure.reason) : null;
}
