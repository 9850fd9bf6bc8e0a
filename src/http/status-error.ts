/**
 * An API error answered with an HTTP status other than its type's usual one: the spec's error types are a closed set,
 * so conditions it does not cover use the nearest type with their own status (503 `internal` while not ready or
 * draining, 405 `validation` for another method on an action route). See docs/decisions.md.
 */
import { ApiError, type ErrorType } from '../kernel/errors.js';

export class HttpStatusError extends ApiError {
  constructor(
    private readonly httpStatus: number,
    type: ErrorType,
    message?: string,
    data?: Record<string, unknown>,
  ) {
    super(type, message, data);
  }
  override get status(): number {
    return this.httpStatus;
  }
}
