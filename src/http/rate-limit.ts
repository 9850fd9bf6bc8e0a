/**
 * Per-credential rate limiting of the action routes (off unless RATE_LIMIT_MAX > 0). Requests are counted per
 * credential however it is spelled (hashed; the raw credential is never kept) or per client IP without one, in memory per
 * process. Over the limit → `too_many_requests` (429) with Retry-After and x-ratelimit-* headers.
 */
import rateLimit from '@fastify/rate-limit';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { hashSecret } from '../kernel/crypto.js';
import { ApiError } from '../kernel/errors.js';
import type { RateLimitConfig as RateLimitOptions } from '../config.js';
import { credentialIdentity } from './auth.js';

/** The credential as authentication understands it (see credentialIdentity), hashed; the client IP without one. */
const keyOf = (req: FastifyRequest): string => {
  const identity = credentialIdentity(req.headers.authorization);
  return identity ? `c:${hashSecret(identity)}` : `ip:${req.ip}`;
};

/** Registers the plugin; routes opt in with `config: { rateLimit: routeRateLimit(opts) }`. */
export async function registerRateLimit(app: FastifyInstance, opts: RateLimitOptions | undefined): Promise<void> {
  if (!opts || opts.max <= 0) return;
  await app.register(rateLimit, {
    global: false,
    max: opts.max,
    timeWindow: opts.windowMs,
    keyGenerator: keyOf,
    errorResponseBuilder: (_req, ctx) =>
      new ApiError('too_many_requests', `Too many requests: at most ${ctx.max} per ${ctx.after}; retry later`),
  });
}

export function routeRateLimit(opts: RateLimitOptions | undefined): false | { max: number; timeWindow: number } {
  return opts && opts.max > 0 ? { max: opts.max, timeWindow: opts.windowMs } : false;
}
