/** Driver errors the API can explain (constraint races, out-of-range values, serialisation conflicts). */
import { ApiError } from '../kernel/errors.js';

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
  return null;
}
