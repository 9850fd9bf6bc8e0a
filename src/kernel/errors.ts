/** The spec's error model: `{"error":{"type","message","data"?}}` with one HTTP status per type. */
export const ERROR_TYPES = {
  authentication: { status: 401, message: 'Authentication error' },
  authorization: { status: 403, message: 'Authorization error' },
  already_exists: { status: 409, message: 'Already exists' },
  group_not_found: { status: 404, message: 'Group not found' },
  internal: { status: 500, message: 'Internal server error' },
  license_expired: { status: 402, message: 'License expired' },
  limit_reached: { status: 422, message: 'Limit reached' },
  misdirected_request: { status: 421, message: 'Wrong region' },
  not_found: { status: 404, message: 'Not found' },
  too_many_requests: { status: 429, message: 'Too many requests' },
  ownership_transfer: { status: 400, message: 'Invalid transfer ownership request' },
  unsupported_version: { status: 400, message: 'Cannot call unsupported API versions.' },
  validation: { status: 400, message: 'Wrong format of request' },
} as const;

export type ErrorType = keyof typeof ERROR_TYPES;

export interface ErrorBody {
  error: { type: ErrorType; message: string; data?: Record<string, unknown> };
}

export class ApiError extends Error {
  readonly type: ErrorType;
  readonly data?: Record<string, unknown>;
  constructor(type: ErrorType, message?: string, data?: Record<string, unknown>) {
    super(message ?? ERROR_TYPES[type].message);
    this.type = type;
    this.data = data;
  }
  get status(): number {
    return ERROR_TYPES[this.type].status;
  }
  toBody(): ErrorBody {
    const error: ErrorBody['error'] = { type: this.type, message: this.message };
    if (this.data !== undefined) error.data = this.data;
    return { error };
  }
}

/**
 * An API error answered with an HTTP status other than its type's usual one: the spec's error types are a closed set,
 * so conditions it does not cover use the nearest type with their own status (503 `internal` while the database is
 * unavailable, not ready or draining; 405 `validation` for another method on an action route). See docs/decisions.md.
 */
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
