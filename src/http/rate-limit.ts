/**
 * Per-credential rate limiting of the action routes (off unless RATE_LIMIT_MAX > 0). Requests are counted per
 * credential however it is spelled (hashed; the raw credential is never kept) or per client IP without one, in memory per
 * process, one count for every route of the action pipeline. Over the limit → `too_many_requests` (429) with
 * Retry-After and x-ratelimit-* headers.
 */
import rateLimit from '@fastify/rate-limit';
import type { FastifyInstance, FastifyRequest, onRequestAsyncHookHandler } from 'fastify';
import { hashSecret } from '../kernel/crypto.js';
import { ApiError } from '../kernel/errors.js';
import type { RateLimitConfig as RateLimitOptions } from '../config.js';
import { credentialIdentity } from './auth.js';

/** The credential as authentication understands it (see credentialIdentity), hashed; the client IP without one. */
const keyOf = (req: FastifyRequest): string => {
  const identity = credentialIdentity(req.headers.authorization);
  return identity ? `c:${hashSecret(identity)}` : `ip:${req.ip}`;
};

/**
 * The limiter as a hook (null when off): registers the plugin in `scope` (for its shared store and decorator), and
 * returns one hook over that store for the action pipeline, so every version's routes count against one limit.
 */
export async function rateLimitHook(scope: FastifyInstance, opts: RateLimitOptions): Promise<onRequestAsyncHookHandler | null> {
  if (opts.max <= 0) return null;
  await scope.register(rateLimit, {
    global: false,
    max: opts.max,
    timeWindow: opts.windowMs,
    keyGenerator: keyOf,
    errorResponseBuilder: (_req, ctx) =>
      new ApiError('too_many_requests', `Too many requests: at most ${ctx.max} per ${ctx.after}; retry later`),
  });
  return scope.rateLimit();
}
