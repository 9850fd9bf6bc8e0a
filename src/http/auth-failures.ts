/**
 * Failed authentications are limited per client address, whatever RATE_LIMIT_MAX says: after `limit` answers of
 * type `authentication` (401) to one address within `windowMs` (counted from its first failure), every further
 * request of that address answers `too_many_requests` (429) with `Retry-After` until the window has passed.
 * State is per app instance, in memory.
 */
import type { FastifyReply, FastifyRequest, onRequestHookHandler, onResponseHookHandler } from 'fastify';
import type { AuthFailureConfig } from '../config.js';
import { ApiError } from '../kernel/errors.js';

interface Window {
  failures: number;
  endsAt: number;
}

/** Addresses tracked before expired windows are swept (and, past twice as many, forgotten). */
const SWEEP_AT = 10_000;

export interface AuthFailureHooks {
  onRequest: onRequestHookHandler;
  onResponse: onResponseHookHandler;
}

/** Route hooks enforcing the limit; null when it is off. */
export function authFailureLimiter(opts: AuthFailureConfig): AuthFailureHooks | null {
  if (!opts || opts.limit <= 0) return null;
  const windows = new Map<string, Window>();

  function sweep(now: number): void {
    for (const [ip, w] of windows) if (w.endsAt <= now) windows.delete(ip);
    if (windows.size >= 2 * SWEEP_AT) windows.clear();
  }

  return {
    onRequest(req: FastifyRequest, reply: FastifyReply, done: (err?: Error) => void) {
      const w = windows.get(req.ip);
      const now = Date.now();
      if (!w || w.failures < opts.limit) return done();
      if (w.endsAt <= now) {
        windows.delete(req.ip);
        return done();
      }
      const seconds = Math.max(1, Math.ceil((w.endsAt - now) / 1000));
      reply.header('retry-after', String(seconds));
      done(new ApiError('too_many_requests', `Too many failed authentications from this address; retry in ${seconds} s`));
    },
    onResponse(req: FastifyRequest, reply: FastifyReply, done: () => void) {
      if (reply.statusCode !== 401) return done();
      const now = Date.now();
      let w = windows.get(req.ip);
      if (!w || w.endsAt <= now) {
        if (windows.size >= SWEEP_AT) sweep(now);
        w = { failures: 0, endsAt: now + opts.windowMs };
        windows.set(req.ip, w);
      }
      w.failures++;
      done();
    },
  } as AuthFailureHooks;
}
