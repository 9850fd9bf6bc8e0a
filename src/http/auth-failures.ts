/**
 * Failed authentications are limited per client address, whatever RATE_LIMIT_MAX says: after AUTH_FAILURE_LIMIT
 * answers of type `authentication` (401) to one address within AUTH_FAILURE_WINDOW_MS (counted from its first
 * failure), every further request of that address answers `too_many_requests` (429) with `Retry-After` until the
 * window has passed. The counts are the app's `AuthFailures` (src/shared-state/: this process's memory, or PostgreSQL
 * for every node of the database).
 *
 * onRequest: the block, from memory (while no address is blocked, not even a lookup). onSend: a 401 is counted before it goes out
 * (failures are rare); one that came after the limit was reached — on another node, before this one heard of the
 * block — goes out as the 429 it would have been.
 */
import type { FastifyReply, onRequestHookHandler, onSendHookHandler } from 'fastify';
import { ApiError } from '../kernel/errors.js';
import type { AuthFailures } from '../shared-state/auth-failures.js';

export interface AuthFailureHooks {
  onRequest: onRequestHookHandler;
  onSend: onSendHookHandler;
}

function blocked(reply: FastifyReply, ms: number): ApiError {
  const seconds = Math.max(1, Math.ceil(ms / 1000));
  reply.header('retry-after', String(seconds));
  return new ApiError('too_many_requests', `Too many failed authentications from this address; retry in ${seconds} s`);
}

/** Route hooks enforcing the limit over `failures`; null when the limit is off. */
export function authFailureHooks(failures: AuthFailures | null): AuthFailureHooks | null {
  if (!failures) return null;
  return {
    onRequest(req, reply, done) {
      // The happy path: no address blocked, so neither the client address nor a lookup is needed.
      if (!failures.anyBlocked()) return done();
      const ms = failures.blockedFor(req.ip);
      done(ms > 0 ? blocked(reply, ms) : undefined);
    },
    onSend(req, reply, payload, done) {
      if (reply.statusCode !== 401) return done(null, payload);
      failures.fail(req.ip).then(
        (ms) => {
          if (ms <= 0) return done(null, payload);
          const err = blocked(reply, ms);
          reply.code(err.status);
          done(null, JSON.stringify(err.toBody()));
        },
        (err: unknown) => {
          req.log.warn({ err }, 'failed authentication not counted');
          done(null, payload);
        },
      );
    },
  };
}
